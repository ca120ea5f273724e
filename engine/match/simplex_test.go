package match

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// TestAssignMatchesSimplex checks the solver against gonum's simplex on
// random instances larger than brute force can try. The LP relaxation of
// bipartite matching has integral optima, so the LP's optimum is the best
// assignment's weight.
func TestAssignMatchesSimplex(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	for n := range 60 {
		rows, cols := 1+r.IntN(12), 1+r.IntN(12)
		w := make([][]int64, rows)
		type edge struct{ i, j int }
		var edges []edge
		for i := range w {
			w[i] = make([]int64, cols)
			for j := range w[i] {
				if r.IntN(4) > 0 {
					w[i][j] = 1 + r.Int64N(50)
					edges = append(edges, edge{i, j})
				}
			}
		}
		got := assign(rows, cols, func(i, j int) int64 { return w[i][j] })
		var sum int64
		for i, j := range got {
			if j >= 0 {
				sum += w[i][j]
			}
		}

		// Standard form: each row and each column takes at most one edge,
		// with a slack variable per row and per column.
		nv := len(edges) + rows + cols
		a := mat.NewDense(rows+cols, nv, nil)
		c := make([]float64, nv)
		b := make([]float64, rows+cols)
		for k, e := range edges {
			a.Set(e.i, k, 1)
			a.Set(rows+e.j, k, 1)
			c[k] = -float64(w[e.i][e.j])
		}
		basic := make([]int, rows+cols)
		for k := range rows + cols {
			a.Set(k, len(edges)+k, 1)
			b[k] = 1
			basic[k] = len(edges) + k
		}
		opt, _, err := lp.Simplex(c, a, b, 1e-10, basic)
		if err != nil {
			t.Fatalf("instance %d: simplex: %v", n, err)
		}
		if math.Abs(-opt-float64(sum)) > 1e-6 {
			t.Fatalf("instance %d (%dx%d): assign gives %d, simplex %g", n, rows, cols, sum, -opt)
		}
	}
}
