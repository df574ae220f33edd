package collector

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// randomTable draws a small table whose counts are often under MinCell, the
// hard case for secondary suppression.
func randomTable(r *rand.Rand) [][]int64 {
	rows, cols := 1+r.IntN(6), 1+r.IntN(6)
	t := make([][]int64, rows)
	for i := range t {
		t[i] = make([]int64, cols)
		for j := range t[i] {
			switch r.IntN(4) {
			case 0: // zero
			case 1, 2:
				t[i][j] = 1 + r.Int64N(4)
			default:
				t[i][j] = 1 + r.Int64N(60)
			}
		}
	}
	return t
}

// published is what an attacker sees: each cell's count, or nil when hidden.
func published(g *Grid) [][]*int64 {
	p := make([][]*int64, len(g.Cells))
	for i, row := range g.Cells {
		p[i] = make([]*int64, len(row))
		for j := range row {
			if !g.Hidden[i][j] {
				v := row[j]
				p[i][j] = &v
			}
		}
	}
	return p
}

// determined says, by exact linear algebra over the rationals, which hidden
// cells the published table and its totals fix: the unknowns are the hidden
// cells, the equations say that each row and column adds up to its total. A
// hidden cell is fixed exactly when its unit vector lies in the row space of
// the equations. This check shares nothing with Suppress's graph reasoning.
func determined(p [][]*int64) map[[2]int]bool {
	rows, cols := len(p)-1, len(p[0])-1
	var unknowns [][2]int
	index := map[[2]int]int{}
	for i := range p {
		for j := range p[i] {
			if p[i][j] == nil {
				index[[2]int{i, j}] = len(unknowns)
				unknowns = append(unknowns, [2]int{i, j})
			}
		}
	}
	var eqs [][]*big.Rat
	add := func(cells [][2]int, total [2]int) {
		eq := make([]*big.Rat, len(unknowns))
		for k := range eq {
			eq[k] = new(big.Rat)
		}
		any := false
		for _, c := range cells {
			if k, ok := index[c]; ok {
				eq[k].Add(eq[k], big.NewRat(1, 1))
				any = true
			}
		}
		if k, ok := index[total]; ok {
			eq[k].Sub(eq[k], big.NewRat(1, 1))
			any = true
		}
		if any {
			eqs = append(eqs, eq)
		}
	}
	for i := range rows + 1 {
		var cells [][2]int
		for j := range cols {
			cells = append(cells, [2]int{i, j})
		}
		add(cells, [2]int{i, cols})
	}
	for j := range cols + 1 {
		var cells [][2]int
		for i := range rows {
			cells = append(cells, [2]int{i, j})
		}
		add(cells, [2]int{rows, j})
	}
	base := rank(eqs, len(unknowns))
	fixed := map[[2]int]bool{}
	for k, u := range unknowns {
		unit := make([]*big.Rat, len(unknowns))
		for m := range unit {
			unit[m] = new(big.Rat)
		}
		unit[k].SetInt64(1)
		if rank(append(append([][]*big.Rat(nil), eqs...), unit), len(unknowns)) == base {
			fixed[u] = true
		}
	}
	return fixed
}

// rank is the rank of the matrix m (n columns), by Gaussian elimination on
// a copy.
func rank(m [][]*big.Rat, n int) int {
	a := make([][]*big.Rat, len(m))
	for i, row := range m {
		a[i] = make([]*big.Rat, n)
		for j := range row {
			a[i][j] = new(big.Rat).Set(row[j])
		}
	}
	r := 0
	for c := 0; c < n && r < len(a); c++ {
		p := -1
		for i := r; i < len(a); i++ {
			if a[i][c].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		a[r], a[p] = a[p], a[r]
		for i := range a {
			if i == r || a[i][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(a[i][c], a[r][c])
			for j := c; j < n; j++ {
				a[i][j].Sub(a[i][j], new(big.Rat).Mul(f, a[r][j]))
			}
		}
		r++
	}
	return r
}

// TestSuppressionProperties: over thousands of random tables, every count
// from 1 to 4 is hidden, and no hidden cell (secret or hidden to protect
// one) can be worked out from the published cells and totals.
func TestSuppressionProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2026))
	hiddenTotal, secondary := 0, 0
	for n := range 1200 {
		table := randomTable(r)
		g := NewGrid(table)
		hidden := g.Suppress()
		for i, row := range g.Cells {
			for j, v := range row {
				if v > 0 && v < MinCell && !g.Hidden[i][j] {
					t.Fatalf("table %d %v: count %d at (%d,%d) published", n, table, v, i, j)
				}
				if g.Hidden[i][j] && v >= MinCell {
					secondary++
				}
			}
		}
		for c := range determined(published(g)) {
			t.Fatalf("table %d %v: hidden cell %v (count %d) can be worked out from what is published (hidden %v)",
				n, table, c, g.Cells[c[0]][c[1]], g.Hidden)
		}
		hiddenTotal += hidden
	}
	if secondary == 0 {
		t.Error("no secondary suppression happened in 1200 tables: the test tables are too easy")
	}
	t.Logf("1200 tables: %d cells hidden, %d of them to protect others", hiddenTotal, secondary)
}

// TestSuppressionNeedsSecondary: the textbook case, one small cell in a row
// whose total is published, is protected by hiding more than that cell.
func TestSuppressionNeedsSecondary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table [][]int64
		want  int // hidden cells
	}{
		{"nothing small", [][]int64{{10, 20}, {30, 40}}, 0},
		{"one small cell", [][]int64{{3, 20}, {30, 40}}, 4},
		{"one column: two sites", [][]int64{{3}, {30}, {12}}, 4},
		{"a small site", [][]int64{{1, 2}, {30, 40}, {10, 12}}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGrid(tc.table)
			if got := g.Suppress(); got != tc.want {
				t.Errorf("hid %d cells, want %d: %v", got, tc.want, g.Hidden)
			}
			if fixed := determined(published(g)); len(fixed) > 0 {
				t.Errorf("cells %v can be worked out", fixed)
			}
		})
	}
}

// TestUnprotectedIsCaught makes sure the checker itself sees a disclosure:
// hiding only the small cell of a table leaves it recoverable from its row.
func TestUnprotectedIsCaught(t *testing.T) {
	g := NewGrid([][]int64{{3, 20}, {30, 40}})
	g.Hidden[0][0] = true
	if fixed := determined(published(g)); !fixed[[2]int{0, 0}] {
		t.Fatal("the checker does not see that a lone hidden cell is its row total minus the rest")
	}
}
