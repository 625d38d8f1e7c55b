// Package latencyplot draws search latency percentiles over time, from
// Prometheus range query results, into a PNG. It stands in for a screenshot
// of Prometheus' graph page, which Debian's package does not ship.
package latencyplot

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/prometheus/common/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one line: a name for the legend and the samples of one query.
type Series struct {
	Name    string
	Samples []model.SamplePair
}

// Chart says what to draw.
type Chart struct {
	Title    string
	Subtitle string // e.g. the queries and the load, under the title
	Series   []Series
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
	p.Title.Text = c.Title
	if c.Subtitle != "" {
		p.Title.Text += "\n" + c.Subtitle
	}
	p.X.Label.Text = "seconds since the start of the load"
	p.Y.Label.Text = "latency (ms)"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true

	var start model.Time = math.MaxInt64
	for _, s := range c.Series {
		if len(s.Samples) > 0 && s.Samples[0].Timestamp < start {
			start = s.Samples[0].Timestamp
		}
	}
	points := 0
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
			if j == 0 {
				p.Legend.Add(s.Name, line)
			}
		}
	}
	if points == 0 {
		return fmt.Errorf("plotting %s: every sample is NaN", path)
	}
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.Padding = vg.Points(4)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(8)
	p.X.Tick.Marker = plot.DefaultTicks{}
	p.Y.Tick.Marker = plot.DefaultTicks{}
	if err := p.Save(10*vg.Inch, 5*vg.Inch, path); err != nil {
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
		if math.IsNaN(v) || math.IsInf(v, 0) {
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
