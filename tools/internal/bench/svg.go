package bench

import (
	"fmt"
	"html"
	"strings"
)

// Chart geometry, in SVG user units (pixels at 100%).
const (
	panelWidth  = 330 // each of the two panels, bar and value
	valueWidth  = 60  // room in a panel for the value after its bar
	labelWidth  = 150 // lesson labels, left of the first panel
	barHeight   = 16
	rowHeight   = 24
	chartTop    = 56 // below the title and panel headings
	chartMargin = 16
	chartWidth  = labelWidth + 2*panelWidth + 2*chartMargin
)

// SVG draws the progression as two bar charts side by side, one bar per
// engine: throughput (MB/s) on the left, peak memory (MiB) on the right.
// Rows without a figure get no bar. It is plain SVG with no scripts or
// external references, so it renders on any code host.
func SVG(rows []Row, caption string) string {
	height := chartTop + len(rows)*rowHeight + 2*chartMargin
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", chartMargin, html.EscapeString(caption))

	panels := []struct {
		unit, heading, color string
		x                    int
	}{
		{"MB/s", "throughput, MB/s (longer is better)", "#2b6cb0", labelWidth},
		{"peak-MiB", "peak memory, MiB (shorter is better)", "#c05621", labelWidth + panelWidth + chartMargin},
	}
	for _, p := range panels {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#333333">%s</text>`+"\n", p.x, chartTop-12, html.EscapeString(p.heading))
		most := 0.0
		for _, r := range rows {
			most = max(most, r.Metrics[p.unit])
		}
		room := float64(panelWidth - valueWidth)
		for i, r := range rows {
			v, ok := r.Metrics[p.unit]
			if !ok || most == 0 {
				continue
			}
			y := chartTop + i*rowHeight
			w := max(1, int(v/most*room))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", p.x, y, w, barHeight, p.color)
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", p.x+w+4, y+barHeight-4, format(v))
		}
	}
	for i, r := range rows {
		y := chartTop + i*rowHeight + barHeight - 4
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelWidth-8, y, html.EscapeString(label(r)))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
