#!/usr/bin/env bash
# bench.sh measures the finished pipeline side by side with pigz, zstd and
# the sequential oracle, on this machine, and prints one table per
# workload plus one for a directory of many small files. It is not run by
# CI: it takes several minutes and its figures depend on the machine.
#
#   bash final/bench.sh [SIZE] [WORKERS]          (default: 128MiB 2)
#   WORKLOADS="text mixed" FILES=5000 REPEAT=3 bash final/bench.sh
#   RSS_SIZES="64MiB 1GiB" bash final/bench.sh    (also: peak RSS per input size)
#
# Each workload is one generated file (read from the page cache, as it was
# just written). DEFLATE rows run at level 6 against `pigz -p WORKERS -6`;
# zstd rows at level 3 against `zstd -T WORKERS -3`. Every tool writes its
# output to the same disk and syncs it; each figure is the fastest of
# REPEAT runs (default 3). The pipeline's containers are checked byte for
# byte against the oracle's, and every round trip against the input.
# Needs pigz, zstd and GNU time; installs them with apt-get when it can.
set -euo pipefail

size=${1:-128MiB}
workers=${2:-2}
repeat=${REPEAT:-3}
workloads=${WORKLOADS-text logs random mixed}
files=${FILES:-5000}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

need() {
	local missing=()
	command -v pigz >/dev/null || missing+=(pigz)
	command -v zstd >/dev/null || missing+=(zstd)
	[ -x /usr/bin/time ] || missing+=(time)
	[ ${#missing[@]} -eq 0 ] && return
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "bench.sh: needs ${missing[*]} (apt-get install ${missing[*]})" >&2
		exit 1
	fi
}
need

(cd "$root" && go build -o "$tmp/pipeline" ./final/cmd/pipeline && go build -o "$tmp/benchtool" ./final/cmd/benchtool)
p="$tmp/pipeline"
b="$tmp/benchtool"

# best CMD [PREP]: runs the shell command CMD $repeat times and prints, for
# the fastest, the wall time in seconds, the peak RSS in KiB and the CPU
# time (user and system) in seconds. Before each run, untimed, it runs PREP
# (which removes the previous run's output) and syncs the file system: so
# no tool pays for freeing another run's output, or for writing back
# another run's dirty pages. The wall time is bash's clock in microseconds
# (GNU time's %e rounds to 10 ms, a tenth of a fast run); GNU time reports
# the peak RSS and the CPU time (to 10 ms).
best() {
	local t rss usr sys start best_t="" best_rss="" best_cpu=""
	for _ in $(seq "$repeat"); do
		sh -c "${2:-true}" && sync
		start=$EPOCHREALTIME
		/usr/bin/time -f '%M %U %S' -o "$tmp/time" sh -c "$1"
		t=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
		read -r rss usr sys <"$tmp/time"
		if [ -z "$best_t" ] || awk "BEGIN{exit !($t < $best_t)}"; then
			best_t=$t best_rss=$rss best_cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
		fi
	done
	echo "$best_t $best_rss $best_cpu"
}

header() {
	echo "| tool                   |  pack speed  | cores |  pack RSS | unpack speed | cores |  unp. RSS | compressed | ratio  |"
	echo "|------------------------|--------------|-------|-----------|--------------|-------|-----------|------------|--------|"
}

# row NAME PACK_CMD UNPACK_CMD PACKED RESTORED: times both commands, checks
# the round trip, prints one line of the table and records the speeds in
# $tmp/speeds (name pack-MB/s unpack-MB/s bytes) for the summary.
row() {
	local pack unpack out
	pack=$(best "$2" "rm -f $4")
	unpack=$(best "$3" "rm -f $5")
	cmp -s "$tmp/in" "$5" || { echo "bench.sh: $1 did not restore the input" >&2; exit 1; }
	out=$(stat -c %s "$4")
	awk -v name="$1" -v insize="$insize" -v out="$out" -v p="$pack" -v u="$unpack" -v speeds="$tmp/speeds" 'BEGIN {
		split(p, P, " "); split(u, U, " ")
		printf "| %-22s | %7.1f MB/s | %5.2f | %5.0f MiB | %7.1f MB/s | %5.2f | %5.0f MiB | %6.1f MiB | %5.2fx |\n",
			name, insize/P[1]/1e6, P[3]/P[1], P[2]/1024, insize/U[1]/1e6, U[3]/U[1], U[2]/1024, out/1048576, insize/out
		printf "%s|%f|%f|%d\n", name, insize/P[1]/1e6, insize/U[1]/1e6, out >> speeds
	}'
}

# ratio A B FIELD: how many times row A's FIELD (2 pack, 3 unpack, 4 size)
# is row B's.
ratio() {
	awk -F"|" -v a="$1" -v b="$2" -v f="$3" '$1 == a { x = $f } $1 == b { y = $f } END { printf "%.2fx", x / y }' "$tmp/speeds"
}

same_as_oracle() {
	"$b" oracle pack -codec "$1" "$tmp/in" "$tmp/o.gpk"
	cmp -s "$2" "$tmp/o.gpk" || { echo "bench.sh: the pipeline's $1 container differs from the oracle's" >&2; exit 1; }
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"
echo "$size per workload, $workers workers/threads, fastest of $repeat; $(pigz --version 2>&1), $(zstd --version | sed 's/^\*\*\* //; s/,* by .*//')"

# What the machine itself allows, measured before any tool is compared:
# two copies of a one-threaded program (gzip -6 on 32 MiB of text) at once
# against one alone is the most that $workers workers can give over 1 on
# work that shares nothing; and writing a $size file and syncing it is the
# fastest any tool here can finish a run whose output is that large.
ceilings() {
	local one all copies disk
	"$b" gen -kind text 32MiB "$tmp/cpu.in"
	one=$(best "gzip -6 -c $tmp/cpu.in >/dev/null")
	copies=$(for _ in $(seq "$workers"); do printf 'gzip -6 -c %s >/dev/null & ' "$tmp/cpu.in"; done)
	all=$(best "$copies wait")
	"$b" gen -kind random "$size" "$tmp/disk.in"
	disk=$(best "dd if=$tmp/disk.in of=$tmp/disk.out bs=1M conv=fsync status=none" "rm -f $tmp/disk.out")
	awk -v n="$workers" -v size="$size" -v one="$one" -v all="$all" -v disk="$disk" -v bytes="$(stat -c %s "$tmp/disk.in")" 'BEGIN {
		split(one, O, " "); split(all, A, " "); split(disk, D, " ")
		printf "ceilings: %d one-threaded gzip -6 at once do %.2fx the work of one in the same time;", n, n*O[1]/A[1]
		printf " writing and syncing %s: %.0f MB/s\n", size, bytes/D[1]/1e6
	}'
	rm -f "$tmp/cpu.in" "$tmp/disk.in" "$tmp/disk.out"
}
ceilings

for kind in $workloads; do
	rm -f "$tmp"/in "$tmp"/*.gpk "$tmp"/*.out "$tmp"/*.gz "$tmp"/*.zst "$tmp/speeds"
	"$b" gen -kind "$kind" "$size" "$tmp/in"
	insize=$(stat -c %s "$tmp/in")
	echo
	echo "## $kind ($insize bytes)"
	echo
	header
	for w in 1 "$workers"; do
		row "pipeline deflate-6 w$w" \
			"$p pack -q -force -codec deflate -level 6 -workers $w $tmp/in $tmp/d$w.gpk" \
			"$p unpack -q -force -workers $w $tmp/d$w.gpk $tmp/d$w.out" \
			"$tmp/d$w.gpk" "$tmp/d$w.out"
	done
	row "pigz -p $workers -6" \
		"pigz -p $workers -6 -c $tmp/in >$tmp/in.gz && sync $tmp/in.gz" \
		"pigz -d -p $workers -c $tmp/in.gz >$tmp/gz.out && sync $tmp/gz.out" \
		"$tmp/in.gz" "$tmp/gz.out"
	for w in 1 "$workers"; do
		row "pipeline zstd-3 w$w" \
			"$p pack -q -force -codec zstd -level 3 -workers $w $tmp/in $tmp/z$w.gpk" \
			"$p unpack -q -force -workers $w $tmp/z$w.gpk $tmp/z$w.out" \
			"$tmp/z$w.gpk" "$tmp/z$w.out"
	done
	row "zstd -T$workers -3" \
		"zstd -q -f -T$workers -3 $tmp/in -o $tmp/in.zst && sync $tmp/in.zst" \
		"zstd -q -f -d -T$workers $tmp/in.zst -o $tmp/zst.out && sync $tmp/zst.out" \
		"$tmp/in.zst" "$tmp/zst.out"
	same_as_oracle deflate "$tmp/d$workers.gpk"
	same_as_oracle zstd "$tmp/z$workers.gpk"
	echo
	echo "deflate: pack $(ratio "pipeline deflate-6 w$workers" "pigz -p $workers -6" 2) pigz's speed," \
		"unpack $(ratio "pipeline deflate-6 w$workers" "pigz -p $workers -6" 3)," \
		"size $(ratio "pipeline deflate-6 w$workers" "pigz -p $workers -6" 4) of pigz's;" \
		"$workers workers vs 1: pack $(ratio "pipeline deflate-6 w$workers" "pipeline deflate-6 w1" 2)," \
		"unpack $(ratio "pipeline deflate-6 w$workers" "pipeline deflate-6 w1" 3)"
	echo "zstd:    pack $(ratio "pipeline zstd-3 w$workers" "zstd -T$workers -3" 2) zstd's speed," \
		"unpack $(ratio "pipeline zstd-3 w$workers" "zstd -T$workers -3" 3)," \
		"size $(ratio "pipeline zstd-3 w$workers" "zstd -T$workers -3" 4) of zstd's;" \
		"$workers workers vs 1: pack $(ratio "pipeline zstd-3 w$workers" "pipeline zstd-3 w1" 2)," \
		"unpack $(ratio "pipeline zstd-3 w$workers" "pipeline zstd-3 w1" 3)"
	echo "(both containers are byte for byte the oracle's)"
done

if [ "$files" -gt 0 ]; then
	rm -rf "$tmp"/in "$tmp"/*.gpk "$tmp"/*.out "$tmp"/*.gz "$tmp"/*.zst
	"$b" tree -kind text "$files" 1KiB 64KiB "$tmp/tree"
	treebytes=$(du -sb --apparent-size "$tmp/tree" | cut -f1)
	echo
	echo "## a directory of $files text files of 1-64 KiB ($treebytes bytes)"
	echo
	echo "| tool                                         |   pack files/s |  unpack files/s |"
	echo "|----------------------------------------------|----------------|-----------------|"
	# tree_row NAME PACK_CMD UNPACK_CMD PACK_PREP UNPACK_PREP: the PREP
	# commands remove the previous run's outputs, outside the timing.
	tree_row() {
		local pack unpack
		pack=$(best "$2" "$4")
		unpack=$(best "$3" "$5")
		awk -v name="$1" -v n="$files" -v p="$pack" -v u="$unpack" 'BEGIN {
			split(p, P, " "); split(u, U, " ")
			printf "| %-44s | %14.0f | %15.0f |\n", name, n/P[1], n/U[1]
		}'
	}
	for codec in deflate zstd; do
		tree_row "pipeline $codec -workers $workers" \
			"$p pack -q -codec $codec -workers $workers $tmp/tree $tmp/packed" \
			"$p unpack -q -workers $workers $tmp/packed $tmp/unpacked" \
			"rm -rf $tmp/packed" "rm -rf $tmp/unpacked"
		diff -r -q "$tmp/tree" "$tmp/unpacked" >/dev/null || { echo "bench.sh: the directory did not round trip" >&2; exit 1; }
	done
	# What syncing every output costs: the same run without the syncs.
	tree_row "pipeline deflate -workers $workers -sync=false" \
		"$p pack -q -sync=false -codec deflate -workers $workers $tmp/tree $tmp/packed" \
		"$p unpack -q -sync=false -workers $workers $tmp/packed $tmp/unpacked" \
		"rm -rf $tmp/packed" "rm -rf $tmp/unpacked"
	diff -r -q "$tmp/tree" "$tmp/unpacked" >/dev/null || { echo "bench.sh: the directory did not round trip" >&2; exit 1; }
	# pigz -r works in place: -k keeps the inputs, and before each timed run
	# the previous run's outputs are deleted (as the pipeline's rows are).
	cp -r "$tmp/tree" "$tmp/gzsrc" && cp -r "$tmp/tree" "$tmp/gzonly" && pigz -q -p "$workers" -r "$tmp/gzonly"
	tree_row "pigz -p $workers -6 -r" \
		"pigz -q -k -p $workers -6 -r $tmp/gzsrc && sync" \
		"pigz -q -d -k -p $workers -r $tmp/gzonly && sync" \
		"find $tmp/gzsrc -name '*.gz' -delete" "find $tmp/gzonly -type f ! -name '*.gz' -delete"
	tree_row "tar | zstd -T$workers -3 (one stream)" \
		"tar -C $tmp -cf - tree | zstd -q -T$workers -3 >$tmp/tree.tar.zst && sync $tmp/tree.tar.zst" \
		"mkdir $tmp/untar && zstd -q -d -c $tmp/tree.tar.zst | tar -C $tmp/untar -xf - && sync" \
		"rm -f $tmp/tree.tar.zst" "rm -rf $tmp/untar"
	echo
	echo "The pipeline writes every output file whole or not at all and syncs it"
	echo "(file and directory) before it counts as done, unless -sync=false;"
	echo "pigz -r and tar do not sync."
fi

for rsize in ${RSS_SIZES:-}; do
	rm -rf "$tmp/in" "$tmp/p.gpk" "$tmp/tree" "$tmp/packed" "$tmp/unpacked" "$tmp/gzsrc" "$tmp/gzonly" "$tmp/untar"
	"$b" gen "$rsize" "$tmp/in"
	echo
	echo "\$ pipeline pack $rsize-file out.gpk    (default settings)"
	"$p" pack "$tmp/in" "$tmp/p.gpk" 2>&1 | sed "s|$tmp/||g"
done
