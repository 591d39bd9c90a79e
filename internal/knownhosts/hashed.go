package knownhosts

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding"
	"hash"
)

// Hashed names: "|1|salt|hash", the hash being HMAC-SHA1 of the lookup
// name keyed by the salt, one salt per line. Nothing indexes them: a
// lookup computes the HMAC for every hashed line, as ssh(1) does. To make
// that cheap, each line keeps the SHA-1 states of its HMAC key, computed
// once: a try then costs two SHA-1 blocks.

// hashedName is a hashed host name, ready to be tried.
type hashedName struct {
	inner, outer []byte // the SHA-1 states after the key XOR ipad, and after the key XOR opad
	hash         []byte
}

func newHashedName(salt, sum []byte) *hashedName {
	key := salt
	if len(key) > sha1.BlockSize {
		k := sha1.Sum(key)
		key = k[:]
	}
	var ipad, opad [sha1.BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	return &hashedName{inner: sha1State(ipad[:]), outer: sha1State(opad[:]), hash: sum}
}

// sha1State returns the SHA-1 state after block.
func sha1State(block []byte) []byte {
	h := sha1.New()
	h.Write(block)
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("knownhosts: crypto/sha1 cannot save its state: " + err.Error())
	}
	return state
}

// is tells whether name hashes to this one; h, if not nil, hashes name.
func (n *hashedName) is(name string, h *hmacSHA1) bool {
	if h == nil {
		h = newHMAC(name)
	}
	return hmac.Equal(h.sum(n), n.hash)
}

// hmacSHA1 computes the HMAC-SHA1 of one name from saved states; one per
// lookup, as it is not safe for concurrent use.
type hmacSHA1 struct {
	name  []byte
	h     hash.Hash
	state encoding.BinaryUnmarshaler
	buf   [sha1.Size]byte
}

func newHMAC(name string) *hmacSHA1 {
	h := sha1.New()
	return &hmacSHA1{name: []byte(name), h: h, state: h.(encoding.BinaryUnmarshaler)}
}

func (m *hmacSHA1) sum(n *hashedName) []byte {
	if err := m.state.UnmarshalBinary(n.inner); err != nil {
		panic("knownhosts: crypto/sha1 cannot restore its state: " + err.Error())
	}
	m.h.Write(m.name)
	inner := m.h.Sum(m.buf[:0])
	if err := m.state.UnmarshalBinary(n.outer); err != nil {
		panic("knownhosts: crypto/sha1 cannot restore its state: " + err.Error())
	}
	m.h.Write(inner)
	return m.h.Sum(m.buf[:0])
}
