#!/usr/bin/env bash
# bench.sh measures the finished pipeline side by side with the sequential
# oracle (lesson 00) and pigz, on one generated file, on this machine, and
# prints a table. It is not run by CI: it takes a minute or more and its
# figures depend on the machine.
#
#   bash final/bench.sh [SIZE] [LEVEL] [WORKERS]     (default: 256MiB 6 2)
#   RSS_SIZES="64MiB 1GiB" bash final/bench.sh       (also: peak RSS of the pipeline per input size)
#
# Every tool reads the same file (from the page cache, as it was just
# generated), writes its output to the same disk and syncs it, and is run
# REPEAT times (default 3); the table shows the fastest run. Needs pigz and
# GNU time (/usr/bin/time).
set -euo pipefail

size=${1:-256MiB}
level=${2:-6}
workers=${3:-2}
repeat=${REPEAT:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in pigz /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench.sh: $tool is needed (apt-get install pigz time)" >&2; exit 1; }
done

(cd "$root" && go build -o "$tmp/pipeline" ./final/cmd/pipeline && go build -o "$tmp/benchtool" ./final/cmd/benchtool)
"$tmp/benchtool" gen "$size" "$tmp/in"
insize=$(stat -c %s "$tmp/in")

# best CMD: runs the shell command CMD $repeat times and prints the fastest
# wall time in seconds and that run's peak RSS in KiB.
best() {
	local t rss best_t="" best_rss=""
	for _ in $(seq "$repeat"); do
		/usr/bin/time -f '%e %M' -o "$tmp/time" sh -c "$1"
		read -r t rss <"$tmp/time"
		if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then
			best_t=$t best_rss=$rss
		fi
	done
	echo "$best_t $best_rss"
}

# row NAME PACK_CMD UNPACK_CMD PACKED RESTORED: times both commands, checks
# the round trip, and prints one line of the table.
row() {
	local pack unpack
	pack=$(best "$2")
	unpack=$(best "$3")
	cmp -s "$tmp/in" "$5" || { echo "bench.sh: $1 did not restore the input" >&2; exit 1; }
	awk -v name="$1" -v insize="$insize" -v out="$(stat -c %s "$4")" -v p="$pack" -v u="$unpack" 'BEGIN {
		split(p, P, " "); split(u, U, " ")
		printf "| %-22s | %6.2f s | %7.1f MB/s | %5.0f MiB | %6.2f s | %7.1f MB/s | %5.0f MiB | %6.1f MiB | %5.2fx |\n",
			name, P[1], insize/P[1]/1e6, P[2]/1024, U[1], insize/U[1]/1e6, U[2]/1024, out/1048576, insize/out
	}'
}

echo "input: $size of generated mixed data ($insize bytes), DEFLATE level $level, $workers workers/threads, best of $repeat"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
echo
echo "| tool                   |   pack   |  pack speed  | pack RSS |  unpack  | unpack speed | unp. RSS | compressed | ratio  |"
echo "|------------------------|----------|--------------|----------|----------|--------------|----------|------------|--------|"
row "pipeline -workers $workers" \
	"$tmp/pipeline pack -q -force -workers $workers -level $level $tmp/in $tmp/p.gpk" \
	"$tmp/pipeline unpack -q -force -workers $workers $tmp/p.gpk $tmp/p.out" \
	"$tmp/p.gpk" "$tmp/p.out"
row "oracle (sequential)" \
	"$tmp/benchtool oracle pack -level $level $tmp/in $tmp/o.gpk" \
	"$tmp/benchtool oracle unpack $tmp/o.gpk $tmp/o.out" \
	"$tmp/o.gpk" "$tmp/o.out"
row "pigz -p $workers -$level" \
	"pigz -p $workers -$level -c $tmp/in >$tmp/in.gz && sync $tmp/in.gz" \
	"pigz -d -p $workers -c $tmp/in.gz >$tmp/z.out && sync $tmp/z.out" \
	"$tmp/in.gz" "$tmp/z.out"
echo
if cmp -s "$tmp/p.gpk" "$tmp/o.gpk"; then
	echo "the pipeline's container is byte for byte the oracle's"
else
	echo "bench.sh: the pipeline's container differs from the oracle's" >&2
	exit 1
fi

for rsize in ${RSS_SIZES:-}; do
	rm -f "$tmp/in" "$tmp/p.gpk"
	"$tmp/benchtool" gen "$rsize" "$tmp/in"
	echo
	echo "\$ pipeline pack $rsize-file out.gpk    (default settings)"
	"$tmp/pipeline" pack "$tmp/in" "$tmp/p.gpk" 2>&1 | sed "s|$tmp/||g"
done
