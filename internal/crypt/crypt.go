// Package crypt keeps personal data (resident ID numbers, phone numbers)
// unreadable at rest: AES-256-GCM under a versioned key ring from the
// configuration, and a keyed hash (HMAC-SHA256) for lookups, joins and
// uniqueness. The keys never come from the database.
//
// A sealed value is text: "v<key id>:" and the base64 of nonce, ciphertext
// and tag. The associated data is the value's column ("loans.national_id"),
// so a ciphertext copied into another column does not open. No resident ID
// number or phone number starts with "v", so a value in clear (written by an
// older release) is told apart from a sealed one.
package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// KeySize is the length of a data key in bytes.
const KeySize = 32

// Key is one data key of the ring.
type Key struct {
	ID     int
	Secret []byte
}

// String writes the key as a key ring entry, "<id>:<base64>".
func (k Key) String() string {
	return strconv.Itoa(k.ID) + ":" + base64.StdEncoding.EncodeToString(k.Secret)
}

// Generate returns a new random key with the given id.
func Generate(id int) (Key, error) {
	k := Key{ID: id, Secret: make([]byte, KeySize)}
	if _, err := rand.Read(k.Secret); err != nil {
		return Key{}, fmt.Errorf("generate data key: %w", err)
	}
	return k, nil
}

// Parse reads key ring entries "<id>:<base64 of 32 bytes>", newest first,
// separated by commas or new lines; lines starting with # are comments.
func Parse(s string) ([]Key, error) {
	var entries []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "#") {
			entries = append(entries, strings.Split(line, ",")...)
		}
	}
	var keys []Key
	for _, line := range entries {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		idText, secret, ok := strings.Cut(line, ":")
		id, err := strconv.Atoi(strings.TrimSpace(idText))
		if !ok || err != nil || id < 1 {
			return nil, errors.New("a data key is written <id>:<base64 of 32 random bytes>, with a whole number id from 1 (newest first, such as 2:…,1:…)")
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
		if err != nil || len(b) != KeySize {
			return nil, fmt.Errorf("data key %d is not the base64 of %d bytes (make one with `chuangdai keys new`)", id, KeySize)
		}
		keys = append(keys, Key{ID: id, Secret: b})
	}
	if len(keys) == 0 {
		return nil, errors.New("no data key: write at least one <id>:<base64 of 32 random bytes>")
	}
	return keys, nil
}

// Format writes keys as a key ring, one entry a line, newest first.
func Format(keys []Key) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Ring is the key ring: the newest key seals, every key opens what it
// sealed. A Ring is safe for concurrent use.
type Ring struct {
	ids    []int // newest first
	aeads  map[int]cipher.AEAD
	prints map[int]string
	lookup []byte
	// hmacs are HMACs under lookup, kept for Hash: a new one hashes the
	// key twice before the number.
	hmacs *sync.Pool
}

// NewRing builds a ring from keys, newest first. The lookup key (for Hash)
// is given separately: it is not a data key, it is kept sealed in the
// database (see the store), so rotating the data keys leaves every hash and
// unique index as it is.
func NewRing(keys []Key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no data key configured")
	}
	r := &Ring{aeads: map[int]cipher.AEAD{}, prints: map[int]string{}}
	for _, k := range keys {
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("data key %d is listed twice", k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, fmt.Errorf("data key %d is %d bytes long, not %d", k.ID, len(k.Secret), KeySize)
		}
		block, err := aes.NewCipher(derive(k.Secret, "chuangdai data encryption v1"))
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.ids = append(r.ids, k.ID)
		r.aeads[k.ID] = aead
		r.prints[k.ID] = hex.EncodeToString(derive(k.Secret, "chuangdai data key fingerprint v1"))[:16]
	}
	return r, nil
}

// derive is a subkey of secret for one purpose (HKDF-Expand's first block).
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	m.Write([]byte{1})
	return m.Sum(nil)
}

// WithLookup returns the ring with the lookup key that Hash uses.
func (r *Ring) WithLookup(key []byte) *Ring {
	c := *r
	c.lookup = slices.Clone(key)
	c.hmacs = &sync.Pool{New: func() any { return hmac.New(sha256.New, c.lookup) }}
	return &c
}

// Newest is the id of the key that seals.
func (r *Ring) Newest() int { return r.ids[0] }

// IDs are the ids of the ring, newest first.
func (r *Ring) IDs() []int { return slices.Clone(r.ids) }

// Has reports whether the ring holds key id.
func (r *Ring) Has(id int) bool { _, ok := r.aeads[id]; return ok }

// Fingerprint is a short public digest of key id (empty if absent), to
// tell in logs which key is which without showing it.
func (r *Ring) Fingerprint(id int) string { return r.prints[id] }

// Seal encrypts plain for column under the newest key. The empty value
// stays empty: it says nothing about anybody.
func (r *Ring) Seal(column, plain string) (string, error) {
	return r.SealWith(r.Newest(), column, plain)
}

// SealWith encrypts plain for column under key id.
func (r *Ring) SealWith(id int, column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead, ok := r.aeads[id]
	if !ok {
		return "", fmt.Errorf("data key %d is not configured", id)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(column))
	return "v" + strconv.Itoa(id) + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// ErrNoKey means a value was sealed under a key the ring does not hold.
var ErrNoKey = errors.New("the data key that sealed this value is not configured")

// Open decrypts a value Seal made for column. A value in clear (not
// sealed: written before encryption, awaiting its conversion) is returned
// as it is.
func (r *Ring) Open(column, value string) (string, error) {
	id, body, sealed := split(value)
	if !sealed {
		return value, nil
	}
	aead, ok := r.aeads[id]
	if !ok {
		return "", fmt.Errorf("%s sealed under data key %d: %w", column, id, ErrNoKey)
	}
	b, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(b) < aead.NonceSize()+aead.Overhead() {
		return "", fmt.Errorf("%s: a sealed value is damaged", column)
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(column))
	if err != nil {
		return "", fmt.Errorf("%s: a sealed value does not open under data key %d (damaged, or moved from another column)", column, id)
	}
	return string(plain), nil
}

// KeyOf is the id of the key that sealed value, and false for a value in
// clear.
func KeyOf(value string) (int, bool) {
	id, _, sealed := split(value)
	return id, sealed
}

// Sealed reports whether value is sealed (as opposed to clear or empty).
func Sealed(value string) bool {
	_, ok := KeyOf(value)
	return ok
}

func split(value string) (id int, body string, sealed bool) {
	if !strings.HasPrefix(value, "v") {
		return 0, "", false
	}
	head, body, ok := strings.Cut(value[1:], ":")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.Atoi(head)
	if err != nil || id < 1 || len(body) < minSealed {
		return 0, "", false
	}
	for _, c := range body {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return 0, "", false
		}
	}
	return id, body, true
}

// minSealed is the length of the shortest sealed body: the base64 of a
// nonce, one byte and a tag. A shorter text or one with other characters
// (a file name "v2:scan.pdf") is not sealed.
const minSealed = (12 + 1 + 16) * 4 / 3

// Hash is the keyed hash of a resident ID number for lookups, joins and
// uniqueness: hex HMAC-SHA256 under the lookup key of the number with its
// check letter upper-cased. The empty number hashes to empty.
func (r *Ring) Hash(nationalID string) string {
	n := NormalID(nationalID)
	if n == "" {
		return ""
	}
	if len(r.lookup) == 0 {
		panic("crypt: Hash on a ring without its lookup key")
	}
	m := r.hmacs.Get().(hash.Hash)
	defer r.hmacs.Put(m)
	m.Reset()
	m.Write([]byte("national_id:"))
	m.Write([]byte(n))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0]))
}

// NormalID is a resident ID number as it is stored and hashed: trimmed,
// with the check letter upper-cased.
func NormalID(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalPhone is the digits of a phone number.
func NormalPhone(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
