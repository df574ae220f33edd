package collector

// Statistical disclosure control of a published table: cells under MinCell
// are secret (primary suppression), and enough other cells are hidden with
// them (secondary suppression) that no secret cell can be worked out from
// what is published: the other cells, the row and column totals and the
// grand total.
//
// The reasoning, on the table bordered with its totals: write each row total
// and column total with a minus sign and the grand total with a plus sign,
// and every row and every column of the bordered table sums to zero. The
// hidden cells are the edges of a bipartite graph between its rows and its
// columns. Adding +1, -1, +1… around a cycle of hidden cells keeps every sum,
// so a hidden cell on a cycle can take other values consistent with all that
// is published; a hidden cell on no cycle (a bridge of the graph) is fixed by
// the sums. So: hide cells until no hidden cell is a bridge. Every hidden cell
// is at least 1, so both directions around a cycle keep the table
// non-negative: each secret cell could be one more or one less.

// MinCell is the smallest count a report shows: a smaller one could point at
// a person.
const MinCell = 5

// Grid is a table with its totals: Cells[i][j] for i < rows and j < cols,
// row totals in column cols, column totals in row rows, the grand total at
// [rows][cols]. Hidden marks what is not published.
type Grid struct {
	Cells  [][]int64
	Hidden [][]bool
}

// NewGrid borders the table cells (rows × cols, all rows the same length)
// with its totals.
func NewGrid(cells [][]int64) *Grid {
	rows := len(cells)
	cols := 0
	if rows > 0 {
		cols = len(cells[0])
	}
	g := &Grid{Cells: make([][]int64, rows+1), Hidden: make([][]bool, rows+1)}
	for i := range rows + 1 {
		g.Cells[i] = make([]int64, cols+1)
		g.Hidden[i] = make([]bool, cols+1)
	}
	for i, row := range cells {
		for j, v := range row {
			g.Cells[i][j] = v
			g.Cells[i][cols] += v
			g.Cells[rows][j] += v
			g.Cells[rows][cols] += v
		}
	}
	return g
}

// Suppress hides every cell and total from 1 to MinCell-1, then the fewest
// further cells it can find, smallest first, until none of the hidden ones
// can be worked out. It returns how many cells it hid in all.
func (g *Grid) Suppress() int {
	n := 0
	for i, row := range g.Cells {
		for j, v := range row {
			if v > 0 && v < MinCell {
				g.Hidden[i][j] = true
				n++
			}
		}
	}
	for {
		i, j, ok := g.bridge()
		if !ok {
			return n
		}
		// Hide the cheapest path of cells from the bridge's row to its
		// column: with the bridge it makes a cycle.
		for _, c := range g.cheapestPath(i, j) {
			if !g.Hidden[c[0]][c[1]] {
				g.Hidden[c[0]][c[1]] = true
				n++
			}
		}
	}
}

// cheapestPath is the path of positive cells, other than (i, j), from row i
// to column j whose newly hidden counts add up to the least (Dijkstra on
// the rows and columns; hidden cells cost nothing). One always exists: row
// i's total, the grand total, column j's total, each at least cell (i, j).
func (g *Grid) cheapestPath(i, j int) [][2]int {
	rows, cols := len(g.Cells), len(g.Cells[0])
	// Nodes: rows 0..rows-1, then columns rows..rows+cols-1.
	const inf = int64(1) << 62
	dist := make([]int64, rows+cols)
	prev := make([]int, rows+cols)
	done := make([]bool, rows+cols)
	for k := range dist {
		dist[k], prev[k] = inf, -1
	}
	dist[i] = 0
	for {
		u := -1
		for k := range dist {
			if !done[k] && dist[k] < inf && (u < 0 || dist[k] < dist[u]) {
				u = k
			}
		}
		if u < 0 || u == rows+j {
			break
		}
		done[u] = true
		for v := range dist {
			if (u < rows) == (v < rows) || done[v] {
				continue
			}
			r, c := min(u, v), max(u, v)-rows
			if g.Cells[r][c] < 1 || r == i && c == j {
				continue
			}
			w := g.Cells[r][c]
			if g.Hidden[r][c] {
				w = 0
			}
			if dist[u]+w < dist[v] {
				dist[v], prev[v] = dist[u]+w, u
			}
		}
	}
	if dist[rows+j] == inf {
		panic("collector: suppression found no cycle through a secret cell")
	}
	var path [][2]int
	for v := rows + j; prev[v] >= 0; v = prev[v] {
		u := prev[v]
		path = append(path, [2]int{min(u, v), max(u, v) - rows})
	}
	return path
}

// sides are the rows and columns reached over hidden cells.
type sides struct{ rows, cols []bool }

type node struct {
	row bool // a row, else a column
	k   int
}

// reach marks the rows and columns reachable from a row or column over
// hidden cells, leaving out the cell (i, j).
func (g *Grid) reach(row bool, k, i, j int) sides {
	s := sides{rows: make([]bool, len(g.Cells)), cols: make([]bool, len(g.Cells[0]))}
	if row {
		s.rows[k] = true
	} else {
		s.cols[k] = true
	}
	queue := []node{{row, k}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.row {
			for c := range g.Cells[n.k] {
				if g.Hidden[n.k][c] && !(n.k == i && c == j) && !s.cols[c] {
					s.cols[c] = true
					queue = append(queue, node{false, c})
				}
			}
			continue
		}
		for r := range g.Cells {
			if g.Hidden[r][n.k] && !(r == i && n.k == j) && !s.rows[r] {
				s.rows[r] = true
				queue = append(queue, node{true, r})
			}
		}
	}
	return s
}

// bridge finds a hidden cell on no cycle of hidden cells.
func (g *Grid) bridge() (int, int, bool) {
	for i, row := range g.Hidden {
		for j, h := range row {
			if h && !g.reach(true, i, i, j).cols[j] {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}
