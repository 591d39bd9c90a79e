package groups_test

import (
	"context"
	"fmt"

	"github.com/gopssh/pssh/groups"
)

func ExampleResolver_Expand() {
	ctx := context.Background()
	r, err := groups.New(ctx, groups.Options{
		NoClusterShell: true, // this example reads no file of the machine's
		Sources: []groups.Source{groups.Static("site", map[string][]string{
			"web":    {"web[01-04]"},
			"canary": {"web01"},
			"front":  {"@web", "proxy1"},
		})},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hosts, err := r.Expand(ctx, "@front!@canary,db1")
	fmt.Println(hosts, err)

	_, err = r.Expand(ctx, "@nosuch")
	fmt.Println(err)
	// Output:
	// [web02 web03 web04 proxy1 db1] <nil>
	// unknown group @nosuch
}

func ExampleResolver_Vars() {
	ctx := context.Background()
	r, err := groups.New(ctx, groups.Options{
		NoClusterShell: true,
		Inventories:    []string{"testdata/ansible/hosts.ini"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	hosts, _ := r.Expand(ctx, "@ungrouped,@web")
	for _, h := range hosts {
		v, _ := r.Vars(h)
		fmt.Printf("%s address=%q port=%d user=%q\n", h, v.Address, v.Port, v.User)
	}
	// Output:
	// bastion.example.com address="10.0.0.1" port=2222 user=""
	// web01.example.com address="" port=2222 user="ops"
	// web02.example.com address="" port=2222 user="ops"
	// web03.example.com address="" port=2222 user="ops"
	// web09.example.com address="" port=2201 user="deploy"
}

func ExampleNew_clusterShell() {
	ctx := context.Background()
	// A clush configuration: groups.conf with a command source, and a YAML
	// file in its autodir. The zero Options read the machine's own.
	r, err := groups.New(ctx, groups.Options{ClusterShellDirs: []string{"testdata/clustershell/etc"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, list := range []string{"@db", "@roles:cpu!node0[1-6]"} {
		hosts, err := r.Expand(ctx, list)
		fmt.Println(list, hosts, err)
	}
	// Output:
	// @db [db1 db2 db9] <nil>
	// @roles:cpu!node0[1-6] [node07 node08] <nil>
}
