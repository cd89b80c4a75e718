package workload

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// logsGenerator produces JSON log lines from a fleet of services, one
// object per line, with timestamps that only move forward:
//
//	{"ts":"2024-01-01T00:00:00.007Z","level":"info","service":"auth","msg":"token issued","request_id":"…","user_id":42,"status":200,"latency_ms":12}
//
// Lines are built with append and strconv, never fmt: this is a hot loop.
type logsGenerator struct {
	rng    rand.PCG
	millis int64 // the current line's time, in milliseconds since the Unix epoch

	// Formatting a date is the slowest part of a line, and consecutive
	// lines mostly share their second, so the text of the current
	// second is kept and reused.
	second     int64
	secondText []byte
}

// logsEpoch is the earliest timestamp a log file starts at:
// 2024-01-01T00:00:00Z. The seed moves the start within the following year.
const logsEpoch = 1704067200000

func newLogsGenerator(seed uint64) *logsGenerator {
	g := &logsGenerator{rng: *rand.NewPCG(seed, logsStream), second: -1}
	const yearMillis = 365 * 24 * 3600 * 1000
	g.millis = logsEpoch + int64(g.rng.Uint64()%yearMillis)
	return g
}

func (g *logsGenerator) appendBlock(dst []byte) []byte {
	end := len(dst) + blockSize
	for len(dst) < end {
		dst = g.appendLine(dst)
	}
	return dst
}

// Log vocabulary. Levels are weighted like a healthy production system:
// mostly info, some debug, few warnings, rare errors.
var (
	logServices = []string{"api-gateway", "auth", "billing", "catalog", "checkout", "inventory", "notifications", "search"}

	infoMessages = []string{
		"request completed", "token issued", "cache hit", "order created", "payment authorized",
		"item added to cart", "user logged in", "search served", "email queued", "stock reserved",
	}
	debugMessages = []string{"cache miss", "retrying upstream call", "query plan chosen", "connection reused", "feature flag evaluated"}
	warnMessages  = []string{"slow query", "rate limit approaching", "retry budget low", "deprecated endpoint called"}
	errorMessages = []string{"upstream timeout", "database connection refused", "payment declined", "invalid signature"}
)

// appendLine appends one log line, newline included, and advances the clock.
func (g *logsGenerator) appendLine(dst []byte) []byte {
	r := g.rng.Uint64()
	g.millis += int64(r % 32) // 0-31 ms between lines: a busy service
	level, messages, status := logLevel(r >> 8)

	dst = append(dst, `{"ts":"`...)
	dst = g.appendTimestamp(dst)
	dst = append(dst, `","level":"`...)
	dst = append(dst, level...)
	dst = append(dst, `","service":"`...)
	dst = append(dst, logServices[(r>>16)%uint64(len(logServices))]...)
	dst = append(dst, `","msg":"`...)
	dst = append(dst, messages[(r>>24)%uint64(len(messages))]...)
	dst = append(dst, `","request_id":"`...)
	dst = appendRequestID(dst, g.rng.Uint64())
	dst = append(dst, `","user_id":`...)
	dst = strconv.AppendUint(dst, (r>>32)%5000, 10)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"latency_ms":`...)
	dst = strconv.AppendUint(dst, latency(r>>48), 10)
	return append(dst, "}\n"...)
}

// logLevel turns random bits into a level, the messages that go with it,
// and the HTTP status such a line reports.
func logLevel(r uint64) (level string, messages []string, status int) {
	switch p := r % 100; {
	case p < 2:
		return "error", errorMessages, 500 + int((r>>7)%4) // 500-503
	case p < 8:
		return "warn", warnMessages, 429
	case p < 20:
		return "debug", debugMessages, 200
	}
	return "info", infoMessages, 200
}

// latency draws a latency in milliseconds with a long tail: it picks an
// order of magnitude (a power of two up to 1024) and then a value below it,
// so most requests are fast and a few are very slow.
func latency(r uint64) uint64 {
	magnitude := 1 + r%10
	return 1 + (r>>4)%(1<<magnitude)
}

// appendTimestamp appends g's current time in RFC 3339 form with
// milliseconds, in UTC so the output does not depend on the local zone.
func (g *logsGenerator) appendTimestamp(dst []byte) []byte {
	second, millis := g.millis/1000, g.millis%1000
	if second != g.second {
		g.second = second
		g.secondText = time.Unix(second, 0).UTC().AppendFormat(g.secondText[:0], "2006-01-02T15:04:05")
	}
	dst = append(dst, g.secondText...)
	return append(dst, '.', byte('0'+millis/100), byte('0'+millis/10%10), byte('0'+millis%10), 'Z')
}

// appendRequestID appends id as 16 lower-case hex digits, the shape of a
// trace or request id: random, so it is the line's incompressible part.
func appendRequestID(dst []byte, id uint64) []byte {
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], id)
	return hex.AppendEncode(dst, raw[:])
}
