package cluster

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOptions say how to reach and log in to NATS.
type ConnectOptions struct {
	Name string // the connection's name, as the server shows it
	// Creds is a credentials file: a user JWT with its nkey seed (a .creds
	// file, as nsc writes them), or an nkey seed alone ("SU..."), as
	// StartLocal writes it.
	Creds string
	// TLSCA is the file of CA certificates that verify the server; TLSCert
	// and TLSKey are the client's certificate and key, for servers that
	// verify clients.
	TLSCA, TLSCert, TLSKey string
}

// Connect connects to the NATS servers of urls (comma separated, as
// nats.Connect takes them), reconnecting as long as it can.
func Connect(urls string, o ConnectOptions) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
	}
	if o.Creds != "" {
		data, err := os.ReadFile(o.Creds)
		if err != nil {
			return nil, fmt.Errorf("nats credentials: %w", err)
		}
		if bytes.Contains(data, []byte("BEGIN NATS USER JWT")) {
			opts = append(opts, nats.UserCredentials(o.Creds))
		} else {
			opt, err := nats.NkeyOptionFromSeed(o.Creds)
			if err != nil {
				return nil, fmt.Errorf("nats credentials %s: %w", o.Creds, err)
			}
			opts = append(opts, opt)
		}
	}
	if o.TLSCA != "" {
		opts = append(opts, nats.RootCAs(o.TLSCA))
	}
	if o.TLSCert != "" || o.TLSKey != "" {
		opts = append(opts, nats.ClientCert(o.TLSCert, o.TLSKey))
	}
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to NATS at %s: %w", redact(urls), err)
	}
	return nc, nil
}

// redact hides passwords in URLs.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		if at := strings.LastIndexByte(u, '@'); at >= 0 {
			if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
				parts[i] = u[:scheme+3] + "***" + u[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}
