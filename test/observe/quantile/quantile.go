// Package quantile sets latency percentiles measured by a client beside
// those Prometheus estimates from a histogram, at the histogram's resolution.
package quantile

import (
	"fmt"
	"math"
	"sort"
)

// Bucket is the histogram bucket (Lower, Upper] a value falls in.
type Bucket struct {
	Index        int
	Lower, Upper float64
}

func (b Bucket) String() string {
	return fmt.Sprintf("(%s, %s]", seconds(b.Lower), seconds(b.Upper))
}

// BucketOf returns the bucket of v among the sorted upper bounds (the le
// labels); values above the last bound land in (last, +Inf].
func BucketOf(bounds []float64, v float64) Bucket {
	i := sort.SearchFloat64s(bounds, v) // first bound >= v
	b := Bucket{Index: i, Lower: 0, Upper: math.Inf(1)}
	if i > 0 {
		b.Lower = bounds[i-1]
	}
	if i < len(bounds) {
		b.Upper = bounds[i]
	}
	return b
}

// Comparison is one percentile seen from both sides.
type Comparison struct {
	Q                          float64
	Server, Client             float64 // seconds
	ServerBucket, ClientBucket Bucket
	Agree                      bool
}

// Compare says whether the server's estimate and the client's measurement
// of quantile q agree at the histogram's resolution: they fall in the same
// bucket or in neighbouring ones. histogram_quantile only knows a value to
// within its bucket (it interpolates linearly inside it), and the client adds
// connection and scheduling time the handler never sees, which can carry a
// value just over a boundary; two buckets apart is a real disagreement.
func Compare(bounds []float64, q, server, client float64) Comparison {
	c := Comparison{
		Q: q, Server: server, Client: client,
		ServerBucket: BucketOf(bounds, server),
		ClientBucket: BucketOf(bounds, client),
	}
	d := c.ServerBucket.Index - c.ClientBucket.Index
	c.Agree = !math.IsNaN(server) && d >= -1 && d <= 1
	return c
}

func (c Comparison) String() string {
	verdict := "agree"
	if !c.Agree {
		verdict = "DISAGREE"
	}
	return fmt.Sprintf("p%-4g prometheus %-9s in %-20s hey %-9s in %-20s %s",
		c.Q*100, seconds(c.Server), c.ServerBucket, seconds(c.Client), c.ClientBucket, verdict)
}

func seconds(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsNaN(v):
		return "NaN"
	case v < 1e-3:
		return fmt.Sprintf("%.0fµs", v*1e6)
	case v < 1:
		return fmt.Sprintf("%.3gms", v*1e3)
	default:
		return fmt.Sprintf("%.3gs", v)
	}
}
