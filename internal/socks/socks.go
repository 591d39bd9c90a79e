// Package socks is a minimal SOCKS5 server side (RFC 1928): no
// authentication, the CONNECT command only, IPv4, IPv6 and domain-name
// addresses. The caller accepts connections and dials the targets itself.
package socks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

const version = 5

// Reply codes.
const (
	Succeeded          = 0
	GeneralFailure     = 1
	NotAllowed         = 2
	NetworkUnreachable = 3
	HostUnreachable    = 4
	ConnectionRefused  = 5
	TTLExpired         = 6
	CommandUnsupported = 7
	AddressUnsupported = 8
)

const (
	cmdConnect = 1
	atypIPv4   = 1
	atypDomain = 3
	atypIPv6   = 4
)

// Error is a request the server refused; Handshake has sent Code already.
type Error struct {
	Code byte
	Msg  string
}

func (e *Error) Error() string { return "socks: " + e.Msg }

// Handshake reads the client's greeting and CONNECT request from c and
// returns the target as host:port. The caller then dials it and answers
// with Reply. Requests it cannot serve are answered (when the protocol
// allows) and returned as an error; c is not closed.
func Handshake(c io.ReadWriter) (string, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return "", fmt.Errorf("socks: reading greeting: %w", err)
	}
	if hdr[0] != version {
		return "", fmt.Errorf("socks: version %d, only 5 is supported", hdr[0])
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(c, methods); err != nil {
		return "", fmt.Errorf("socks: reading methods: %w", err)
	}
	noAuth := false
	for _, m := range methods {
		noAuth = noAuth || m == 0
	}
	if !noAuth {
		c.Write([]byte{version, 0xff})
		return "", &Error{NotAllowed, "client offers no method without authentication"}
	}
	if _, err := c.Write([]byte{version, 0}); err != nil {
		return "", err
	}
	var req [4]byte
	if _, err := io.ReadFull(c, req[:]); err != nil {
		return "", fmt.Errorf("socks: reading request: %w", err)
	}
	if req[0] != version {
		return "", fmt.Errorf("socks: request version %d", req[0])
	}
	var host string
	switch req[3] {
	case atypIPv4, atypIPv6:
		ip := make(net.IP, 4)
		if req[3] == atypIPv6 {
			ip = make(net.IP, 16)
		}
		if _, err := io.ReadFull(c, ip); err != nil {
			return "", fmt.Errorf("socks: reading address: %w", err)
		}
		host = ip.String()
	case atypDomain:
		var n [1]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return "", fmt.Errorf("socks: reading address: %w", err)
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return "", fmt.Errorf("socks: reading address: %w", err)
		}
		host = string(name)
	default:
		Reply(c, AddressUnsupported)
		return "", &Error{AddressUnsupported, fmt.Sprintf("address type %d unsupported", req[3])}
	}
	var port [2]byte
	if _, err := io.ReadFull(c, port[:]); err != nil {
		return "", fmt.Errorf("socks: reading port: %w", err)
	}
	if req[1] != cmdConnect {
		Reply(c, CommandUnsupported)
		return "", &Error{CommandUnsupported, fmt.Sprintf("command %d unsupported (CONNECT only)", req[1])}
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:])))), nil
}

// Reply answers the request with code, and a zero bound address: the
// connection goes out from the far side, whose address is not known here.
func Reply(w io.Writer, code byte) error {
	_, err := w.Write([]byte{version, code, 0, atypIPv4, 0, 0, 0, 0, 0, 0})
	return err
}

// ErrorCode picks the reply code for a dial error.
func ErrorCode(err error) byte {
	var se *Error
	if errors.As(err, &se) {
		return se.Code
	}
	return GeneralFailure
}
