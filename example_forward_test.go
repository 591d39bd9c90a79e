package pssh_test

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/url"

	"github.com/gopssh/pssh"
)

// Reach a service only the first host can see, as ssh -L, and browse
// through the host, as ssh -D. (Not run: it needs a real host.)
func ExampleClient_ForwardLocal() {
	client, err := pssh.New([]string{"bastion.example.org"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	fwd, err := client.ForwardLocal(ctx, 0, "127.0.0.1:0", "intranet.example.org:80", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer fwd.Close()
	resp, err := http.Get("http://" + fwd.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	proxy, err := client.Socks(ctx, 0, "127.0.0.1:0", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer proxy.Close()
	hc := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyURL(&url.URL{Scheme: "socks5", Host: proxy.Addr().String()}),
	}}
	resp, err = hc.Get("http://intranet.example.org/")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}
