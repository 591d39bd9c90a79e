package sshtest

import (
	"encoding/binary"
	"fmt"
)

// maxHugeKexInit caps Faults.HugeKexInit: the KEXINIT packet then stays
// within the 256 KiB that golang.org/x/crypto/ssh and OpenSSH accept, so
// that clients read it whole and fail on what it says, not on its size.
const maxHugeKexInit = 250 << 10

// hugeKexInit is what the HugeKexInit fault sends after its version
// banner: an unencrypted SSH_MSG_KEXINIT packet (RFC 4253, sections 6 and
// 7.1) whose key exchange algorithms are about size bytes of names no
// client knows, "kex-0@sshtest.invalid,kex-1@sshtest.invalid,...", and
// whose other lists are ordinary.
func hugeKexInit(size int) []byte {
	size = min(size, maxHugeKexInit)
	var kex []byte
	for i := 0; len(kex) < size; i++ {
		if i > 0 {
			kex = append(kex, ',')
		}
		kex = fmt.Appendf(kex, "kex-%d@sshtest.invalid", i)
	}
	payload := []byte{20}                          // SSH_MSG_KEXINIT
	payload = append(payload, make([]byte, 16)...) // cookie
	for _, list := range []string{
		string(kex),
		"ssh-ed25519",
		"aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256",
		"none", "none",
		"", "",
	} {
		payload = binary.BigEndian.AppendUint32(payload, uint32(len(list)))
		payload = append(payload, list...)
	}
	payload = append(payload, 0, 0, 0, 0, 0) // first_kex_packet_follows, reserved
	// packet_length, padding_length, payload, padding: at least 4 bytes of
	// padding, and the whole a multiple of 8.
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	packet := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	packet = append(packet, byte(pad))
	packet = append(packet, payload...)
	return append(packet, make([]byte, pad)...)
}
