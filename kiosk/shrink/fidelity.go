package shrink

// The fidelity check of a kept picture (an identity card, a photo): the
// structural similarity (SSIM) of its luma with the picture it was made
// from, over the 8×8 blocks where something is drawn (text, edges, a face).
// Flat blocks are left out: they are most of a card, stay alike at any
// quality, and would hide the blocks a reader looks at.
const (
	// busyVariance is the luma variance of a block with something drawn
	// in it: the sensor's noise on a flat area stays well under it.
	busyVariance = 100
	// ssimC1 and ssimC2 are SSIM's usual constants for 8-bit pixels.
	ssimC1 = (0.01 * 255) * (0.01 * 255)
	ssimC2 = (0.03 * 255) * (0.03 * 255)
)

// busySSIM is the mean SSIM over the 8×8 blocks of ref that have something
// drawn in them, of got against ref (planes of the same size); 1 when none has.
func busySSIM(ref, got plane) float64 {
	var sum float64
	n := 0

	for by := 0; by+8 <= ref.h; by += 8 {
		for bx := 0; bx+8 <= ref.w; bx += 8 {
			var sa, sb, saa, sbb, sab int
			for y := by; y < by+8; y++ {
				ra, rb := ref.row(y)[bx:bx+8], got.row(y)[bx:bx+8]
				for x := range 8 {
					a, b := int(ra[x]), int(rb[x])
					sa, sb, saa, sbb, sab = sa+a, sb+b, saa+a*a, sbb+b*b, sab+a*b
				}
			}
			const k = 64.0
			ma, mb := float64(sa)/k, float64(sb)/k
			va, vb := float64(saa)/k-ma*ma, float64(sbb)/k-mb*mb
			if va < busyVariance {
				continue
			}
			cov := float64(sab)/k - ma*mb
			sum += (2*ma*mb + ssimC1) * (2*cov + ssimC2) / ((ma*ma + mb*mb + ssimC1) * (va + vb + ssimC2))
			n++
		}
	}
	if n == 0 {
		return 1
	}
	return sum / float64(n)
}
