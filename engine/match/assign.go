package match

// assign solves the assignment problem: it gives each of rows rows at most
// one of cols columns, each column to at most one row, maximising the total
// weight. weight(i, j) >= 0; a pair of weight 0 counts as not assigned, so
// infeasible pairs get 0 and are dropped by the caller. It returns, per row,
// its column or -1.
//
// It is the shortest-augmenting-path form of the Hungarian algorithm
// (Kuhn–Munkres with potentials, as in Jonker–Volgenant): one row is added
// at a time along a cheapest path in the reduced costs, O(rows² · cols)
// time and O(cols) memory besides the weights, which weight computes on
// demand. Ties go to the lowest column index, so the result depends only
// on the order of rows and columns.
func assign(rows, cols int, weight func(i, j int) int64) []int {
	out := make([]int, rows)
	for i := range out {
		out[i] = -1
	}
	if rows == 0 || cols == 0 {
		return out
	}
	// The algorithm needs at least as many columns as rows: extra columns
	// of weight 0 stand for "not assigned".
	m := max(cols, rows)
	cost := func(i, j int) int64 { // 1-based, minimised
		if j > cols {
			return 0
		}
		return -weight(i-1, j-1)
	}
	const inf = int64(1) << 62
	u := make([]int64, rows+1)
	v := make([]int64, m+1)
	p := make([]int, m+1) // p[j]: row assigned to column j, 0 = none
	way := make([]int, m+1)
	minv := make([]int64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= rows; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = inf, false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost(i0, j) - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= cols; j++ {
		if i := p[j]; i != 0 && weight(i-1, j-1) > 0 {
			out[i-1] = j - 1
		}
	}
	return out
}
