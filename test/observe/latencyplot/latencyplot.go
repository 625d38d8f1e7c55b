// Package latencyplot draws search latency percentiles over time, from
// Prometheus range query results, into a PNG. It stands in for a screenshot
// of Prometheus' graph page, which Debian's package does not ship.
package latencyplot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one line: a name for the legend and the samples of one query.
// A Reference (in seconds, e.g. the client's percentile over the whole load)
// is drawn as a dashed level in the same colour; say what it is in a note.
type Series struct {
	Name      string
	Samples   []model.SamplePair
	Reference *Reference
}

// Reference is a constant level drawn beside a series.
type Reference struct {
	Name    string
	Seconds float64
}

// Chart says what to draw.
type Chart struct {
	Title  string
	Notes  []string // lines under the title: the queries, the corpus, the load
	Series []Series
	// Buckets are the histogram's upper bounds in seconds. When set, the
	// latency axis is logarithmic with its grid lines on the bucket
	// boundaries, so the picture shows the resolution Prometheus has.
	Buckets []float64
}

var colors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // p50 blue
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // p90 orange
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // p99 red
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// SavePNG draws c, milliseconds against seconds since the first sample, into
// path. NaN samples (no requests in the window) leave gaps.
func SavePNG(c Chart, path string) error {
	if len(c.Series) == 0 {
		return fmt.Errorf("plotting %s: no series", path)
	}
	p := plot.New()
	p.Title.Text = strings.Join(append([]string{c.Title}, c.Notes...), "\n")
	p.X.Label.Text = "seconds since the start of the load"
	p.Y.Label.Text = "latency (ms)"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(12)

	var start model.Time = math.MaxInt64
	for _, s := range c.Series {
		if len(s.Samples) > 0 && s.Samples[0].Timestamp < start {
			start = s.Samples[0].Timestamp
		}
	}
	points := 0
	end, top, bottom := 0.0, 0.0, math.Inf(1)
	for _, s := range c.Series {
		if n := len(s.Samples); n > 0 {
			end = max(end, float64(s.Samples[n-1].Timestamp.Sub(start))/float64(time.Second))
		}
	}
	for i, s := range c.Series {
		for j, run := range runs(s.Samples, start) {
			line, err := plotter.NewLine(run)
			if err != nil {
				return fmt.Errorf("plotting %s: %w", s.Name, err)
			}
			line.Color = colors[i%len(colors)]
			line.Width = vg.Points(2)
			p.Add(line)
			points += len(run)
			for _, pt := range run {
				top, bottom = max(top, pt.Y), min(bottom, pt.Y)
			}
			if j == 0 {
				p.Legend.Add(s.Name, line)
			}
		}
		if r := s.Reference; r != nil && r.Seconds > 0 {
			level, err := plotter.NewLine(plotter.XYs{{X: 0, Y: r.Seconds * 1000}, {X: end, Y: r.Seconds * 1000}})
			if err != nil {
				return fmt.Errorf("plotting %s: %w", r.Name, err)
			}
			level.Color = colors[i%len(colors)]
			level.Width = vg.Points(1)
			level.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
			p.Add(level)
			top, bottom = max(top, r.Seconds*1000), min(bottom, r.Seconds*1000)
		}
	}
	if points == 0 {
		return fmt.Errorf("plotting %s: every sample is NaN", path)
	}
	// Headroom above the lines for the legend in the top right corner.
	p.Y.Max = top * 1.3
	if len(c.Buckets) > 0 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Min, p.Y.Max = bottom/1.5, top*2.5
		p.Y.Label.Text = "latency (ms, log scale)"
	}
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.Padding = vg.Points(4)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.Title.Padding = vg.Points(8)
	p.X.Tick.Marker = plot.DefaultTicks{}
	p.Y.Tick.Marker = plot.DefaultTicks{}
	if len(c.Buckets) > 0 {
		p.Y.Tick.Marker = bucketTicks(c.Buckets)
	}
	if err := p.Save(10*vg.Inch, 6*vg.Inch, path); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	return nil
}

// runs splits samples into stretches without NaN, as plot points in
// (seconds since start, milliseconds).
func runs(samples []model.SamplePair, start model.Time) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for _, s := range samples {
		v := float64(s.Value)
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 { // no latency, or none to draw on a log axis
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		x := float64(s.Timestamp.Sub(start)) / float64(time.Second)
		cur = append(cur, plotter.XY{X: x, Y: v * 1000})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// bucketTicks marks the bucket boundaries (given in seconds) on a
// millisecond axis.
type bucketTicks []float64

func (b bucketTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, s := range b {
		ms := s * 1000
		if ms >= lo && ms <= hi {
			ticks = append(ticks, plot.Tick{Value: ms, Label: strconv.FormatFloat(ms, 'g', -1, 64)})
		}
	}
	return ticks
}
