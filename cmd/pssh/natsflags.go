package main

import (
	"cmp"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/gopssh/pssh/cluster"
)

// natsOptions say how to reach NATS: the flags of a submitter and of a
// worker, with the environment variables "pssh cluster up" writes as
// their defaults.
type natsOptions struct {
	url     string // --nats, $PSSH_NATS
	creds   string // --creds, $PSSH_NATS_CREDS
	tlsCA   string // --tls-ca
	tlsCert string // --tls-cert
	tlsKey  string // --tls-key
}

// addNATSFlags defines the flags of natsOptions.
func addNATSFlags(g flagGroup, o *natsOptions) {
	g.string(&o.url, "nats", "", "URL[,URL...]", "run through workers on these NATS servers (default $"+cluster.EnvNATS+")")
	g.string(&o.creds, "creds", "", "FILE", "NATS credentials: a .creds file or an nkey seed (default $"+cluster.EnvCreds+")")
	g.string(&o.tlsCA, "tls-ca", "", "FILE", "CA certificates that verify the NATS servers")
	g.string(&o.tlsCert, "tls-cert", "", "FILE", "client certificate for NATS")
	g.string(&o.tlsKey, "tls-key", "", "FILE", "its key")
}

// urls returns the NATS URLs, "" for none.
func (o *natsOptions) urls() string { return cmp.Or(o.url, os.Getenv(cluster.EnvNATS)) }

// connect connects to NATS as name.
func (o *natsOptions) connect(name string) (*nats.Conn, error) {
	return cluster.Connect(o.urls(), cluster.ConnectOptions{
		Name:    name,
		Creds:   cmp.Or(o.creds, os.Getenv(cluster.EnvCreds)),
		TLSCA:   o.tlsCA,
		TLSCert: o.tlsCert,
		TLSKey:  o.tlsKey,
	})
}
