// Package pincode is the staff PIN: the rules a new PIN must follow, its
// argon2id hash (what the configuration stores), and checking a typed PIN
// against a stored argon2id or bcrypt hash.
package pincode

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// PIN rules: digits only, on a touch keypad.
const (
	MinPINLen = 6
	MaxPINLen = 12
)

// argon2id cost of new hashes: OWASP's 19 MiB, 2 passes, 1 lane, which a
// low-end kiosk checks in well under a second.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the cost a stored hash may ask for: a hash is configuration, and
// a mistyped one must not make every PIN check eat the kiosk's memory.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 16
	maxArgonThreads = 8
)

// Check says what is wrong with a new PIN, or nil. A wrong PIN only costs
// a lockout, but a guessable one would not even cost that.
func Check(pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return fmt.Errorf("pincode: the PIN must have %d to %d digits", MinPINLen, MaxPINLen)
	}
	if strings.Trim(pin, "0123456789") != "" {
		return errors.New("pincode: the PIN must have digits only")
	}
	up, down, same := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
		same = same && d == 0
	}
	if up || down || same {
		return errors.New("pincode: the PIN is too easy to guess (a run such as 123456 or 111111)")
	}
	return nil
}

// Hash checks pin with Check and returns its argon2id hash in the PHC
// string format: $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func Hash(pin string) (string, error) {
	if err := Check(pin); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("pincode: salt: %w", err)
	}
	return encodeArgon(argonParams{argonMemory, argonTime, argonThreads}, salt,
		argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)), nil
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

var b64 = base64.RawStdEncoding

func encodeArgon(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckHash says whether hash is a PIN hash Verify can use: argon2id in
// the PHC format, or bcrypt ($2a$, $2b$, $2y$).
func CheckHash(hash string) error {
	if isBcrypt(hash) {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return fmt.Errorf("pincode: not a valid bcrypt hash: %w", err)
		}
		return nil
	}
	_, _, _, err := decodeArgon(hash)
	return err
}

func isBcrypt(hash string) bool {
	return strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")
}

func decodeArgon(hash string) (p argonParams, salt, key []byte, err error) {
	bad := func(why string) (argonParams, []byte, []byte, error) {
		return argonParams{}, nil, nil, fmt.Errorf("pincode: not a PIN hash: %s (want $argon2id$v=19$m=…,t=…,p=…$SALT$HASH or a bcrypt hash)", why)
	}
	f := strings.Split(hash, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return bad("unknown format")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported argon2 version " + f[2])
	}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, convErr := strconv.ParseUint(v, 10, 32)
		switch {
		case convErr != nil:
			return bad("parameter " + kv)
		case k == "m" && n >= 8 && n <= maxArgonMemory:
			p.memory = uint32(n)
		case k == "t" && n >= 1 && n <= maxArgonTime:
			p.time = uint32(n)
		case k == "p" && n >= 1 && n <= maxArgonThreads:
			p.threads = uint8(n)
		default:
			return bad("parameter " + kv + " unknown or out of range")
		}
	}
	if p.memory == 0 || p.time == 0 || p.threads == 0 {
		return bad("parameters m, t and p are all needed")
	}
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < 8 {
		return bad("salt")
	}
	if key, err = b64.DecodeString(f[5]); err != nil || len(key) < 16 {
		return bad("hash")
	}
	return p, salt, key, nil
}

// Verify tells whether pin matches hash (argon2id or bcrypt). err is set
// only when the hash itself is unusable.
func Verify(hash, pin string) (bool, error) {
	if isBcrypt(hash) {
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("pincode: PIN hash: %w", err)
		}
		return true, nil
	}
	p, salt, key, err := decodeArgon(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}
