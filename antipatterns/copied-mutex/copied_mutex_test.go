package copiedmutex

import (
	"fmt"
	"testing"

	"packcourse/antipatterns/internal/proof"
)

func TestMain(m *testing.M) { proof.Main(m) }

const broken = "testdata/broken"

func TestVetCatchesBroken(t *testing.T) {
	out, err := proof.GoOnce(broken, "vet", ".")
	if err == nil {
		t.Fatalf("go vet passed the broken program:\n%s", out)
	}
	proof.Contains(t, out, "Record passes lock by value", "contains sync.Mutex")
}

// TestBrokenLosesEveryRecord: the copy is updated and dropped, on every
// call, whatever the schedule, so the loss is certain, not likely.
func TestBrokenLosesEveryRecord(t *testing.T) {
	out, err := proof.Exec(t, proof.Build(t, broken))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	proof.Contains(t, out, "recorded 0 of 8 frames, 0 bytes")
}

func TestVetPassesFixed(t *testing.T) {
	if out, err := proof.GoOnce(".", "vet", "."); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}

func sizes() (sizes []int, total int) {
	for i := range 8 {
		sizes = append(sizes, 1000+i)
		total += 1000 + i
	}
	return sizes, total
}

func TestFixedRecordsEveryFrame(t *testing.T) {
	s, total := sizes()
	if frames, bytes := RecordAll(s).Totals(); frames != len(s) || bytes != total {
		t.Fatalf("recorded %d frames, %d bytes; want %d, %d", frames, bytes, len(s), total)
	}
}

func TestShowBroken(t *testing.T) {
	proof.Show(t, "broken: Record has a value receiver (go vet, then the program)")
	out, _ := proof.GoOnce(broken, "vet", ".")
	proof.Print("$ go vet .\n" + out)
	out, _ = proof.Exec(t, proof.Build(t, broken))
	proof.Print("$ go build -o broken . && ./broken\n" + out)
}

func TestShowFixed(t *testing.T) {
	proof.Show(t, "fixed: pointer receivers (go vet, then the same run)")
	out, _ := proof.GoOnce(".", "vet", ".")
	proof.Print("$ go vet .\n" + out)
	s, _ := sizes()
	frames, bytes := RecordAll(s).Totals()
	fmt.Printf("recorded %d of %d frames, %d bytes\n", frames, len(s), bytes)
}
