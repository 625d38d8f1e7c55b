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
	Q      float64
	Server float64 // seconds: Prometheus' estimate
	// Client is the client's time to the first byte of the response, the
	// part of a request the handler's histogram covers; Total adds reading
	// the body, for display.
	Client, Total              float64
	ServerBucket, ClientBucket Bucket
	Agree                      bool
	// NotSlower holds when the server's estimate is in no higher bucket than
	// the client's total time. It must always hold: each request's handler
	// time is part of its client time, so every quantile of the first is at
	// most that of the second, and histogram_quantile's estimate stays in the
	// bucket of the true quantile. hey rounds to 100µs, hence the 50µs slack.
	NotSlower bool
}

// Compare says whether the server's estimate and the client's measurement
// of quantile q agree at the histogram's resolution: they fall in the same
// bucket or in neighbouring ones. histogram_quantile only knows a value to
// within its bucket (it interpolates linearly inside it), and the client adds
// loopback and scheduling time the handler never sees, which can carry a
// value just over a boundary; two buckets apart is a real disagreement.
func Compare(bounds []float64, q, server, client, total float64) Comparison {
	c := Comparison{
		Q: q, Server: server, Client: client, Total: total,
		ServerBucket: BucketOf(bounds, server),
		ClientBucket: BucketOf(bounds, client),
	}
	d := c.ServerBucket.Index - c.ClientBucket.Index
	c.Agree = !math.IsNaN(server) && d >= -1 && d <= 1
	c.NotSlower = !math.IsNaN(server) && c.ServerBucket.Index <= BucketOf(bounds, total+50e-6).Index
	return c
}

func (c Comparison) String() string {
	verdict := "agree"
	if !c.Agree {
		verdict = "DISAGREE"
	}
	return fmt.Sprintf("p%-4g prometheus %-8s in %-18s hey wait %-8s in %-18s %-8s (hey total %s)",
		c.Q*100, seconds(c.Server), c.ServerBucket, seconds(c.Client), c.ClientBucket, verdict, seconds(c.Total))
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
