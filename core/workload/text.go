package workload

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// textGenerator produces English-like prose: sentences of words drawn from
// vocabulary with a Zipf-like skew, with commas, the occasional question or
// exclamation, and paragraphs separated by blank lines.
type textGenerator struct {
	rng           rand.PCG
	sentencesLeft int // sentences still to write in the current paragraph
}

func newTextGenerator(seed uint64) *textGenerator {
	g := &textGenerator{rng: *rand.NewPCG(seed, textStream)}
	g.sentencesLeft = g.paragraphLength()
	return g
}

func (g *textGenerator) appendBlock(dst []byte) []byte {
	end := len(dst) + blockSize
	for len(dst) < end {
		dst = g.appendSentence(dst)
	}
	return dst
}

// appendSentence appends one sentence and what follows it: a space, or a
// blank line when the paragraph is over.
func (g *textGenerator) appendSentence(dst []byte) []byte {
	// One random number decides the sentence's length, first word and
	// final punctuation, each from different bits.
	plan := g.rng.Uint64()
	words := 4 + int(plan%16) // 4 to 19 words

	// Make room for the longest possible sentence once, then write words
	// by index: the per-word append (capacity check, variable-length
	// copy) would cost more than generating the word.
	pos := len(dst)
	dst = slices.Grow(dst, words*(1+len(paddedWord{}.text)))
	dst = dst[:cap(dst)]
	pos += copy(dst[pos:], capitalizedVocabulary[pickWord(plan>>8)])
	for range words - 1 {
		// One random number per word: its low bits pick the word, its
		// top bits decide on a comma.
		r := g.rng.Uint64()
		if r>>60 == 0 { // one word in sixteen
			dst[pos] = ','
			pos++
		}
		pos += paddedVocabulary[pickWord(r)].copyTo(dst[pos:])
	}
	dst = append(dst[:pos], sentenceEnd(plan>>40))

	g.sentencesLeft--
	if g.sentencesLeft > 0 {
		return append(dst, ' ')
	}
	g.sentencesLeft = g.paragraphLength()
	return append(dst, "\n\n"...)
}

// paragraphLength draws the number of sentences in a paragraph: 2 to 8.
func (g *textGenerator) paragraphLength() int {
	return 2 + int(g.rng.Uint64()%7)
}

// sentenceEnd turns random bits into a full stop, or rarely a question or
// exclamation mark.
func sentenceEnd(r uint64) byte {
	switch r % 16 {
	case 0:
		return '?'
	case 1:
		return '!'
	}
	return '.'
}

// capitalizedVocabulary holds each word of vocabulary with its first letter
// in upper case, for the start of a sentence; precomputed so the hot loop
// only copies.
var capitalizedVocabulary = capitalize(vocabulary)

// paddedVocabulary holds each word of vocabulary preceded by its space.
var paddedVocabulary = pad(vocabulary)

// A paddedWord is a word after a space, padded to a fixed size so that
// copying it is one fixed-size move rather than a call to memmove.
type paddedWord struct {
	text [15]byte // " word" followed by zeros
	len  uint8    // how many bytes of text are the word and its space
}

// copyTo copies the word (and its leading space) to the start of dst, which
// must have room for all of w.text, and returns how many bytes are the word.
// The bytes past the word are overwritten by whatever is written next.
func (w *paddedWord) copyTo(dst []byte) int {
	*(*[len(w.text)]byte)(dst) = w.text
	return int(w.len)
}

// pad returns words as paddedWords, each with its leading space.
func pad(words []string) []paddedWord {
	out := make([]paddedWord, len(words))
	for i, w := range words {
		n := copy(out[i].text[:], " "+w)
		if n != len(w)+1 {
			panic("workload: vocabulary word too long: " + w)
		}
		out[i].len = uint8(n)
	}
	return out
}

// capitalize returns words with their first letters in upper case.
func capitalize(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return out
}

// Word picking: a table with one entry per possible random value maps
// random bits straight to a word index, so a pick costs one mask and one
// load instead of a search or floating-point math. Word i owns a share of
// the table proportional to 1/(i+1): Zipf's law, under which the second
// most common word is half as frequent as the first, the third a third,
// and so on.
const zipfTableBits = 14

var zipfTable = buildZipfTable(len(vocabulary))

// pickWord returns the index in vocabulary that the low bits of r select.
func pickWord(r uint64) uint16 {
	return zipfTable[r&(1<<zipfTableBits-1)]
}

// buildZipfTable divides 1<<zipfTableBits slots among n words in proportion
// to 1/(rank+1). It uses only integer arithmetic, so the table is
// identical on every machine (floating point may be fused differently
// across architectures).
func buildZipfTable(n int) []uint16 {
	weights := make([]uint64, n)
	var total uint64
	for rank := range weights {
		weights[rank] = (1 << 40) / uint64(rank+1)
		total += weights[rank]
	}
	const slots = 1 << zipfTableBits
	table := make([]uint16, slots)
	rank, cumulative := 0, weights[0]
	for slot := range table {
		// The slot's position on the cumulative weight scale decides
		// which word owns it.
		position := uint64(slot) * (total / slots)
		for position >= cumulative && rank < n-1 {
			rank++
			cumulative += weights[rank]
		}
		table[slot] = uint16(rank)
	}
	return table
}
