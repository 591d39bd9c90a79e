package hostlist_test

import (
	"fmt"

	"github.com/gopssh/pssh/hostlist"
)

func ExampleExpand() {
	hosts, err := hostlist.Expand("web[01-03].example.com, db[1-3,7] !db2 root@n[1-10/3]:2222 [::1]:22")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hosts {
		fmt.Println(h)
	}

	_, err = hostlist.Expand("web[1-3")
	fmt.Println(err)
	// Output:
	// web01.example.com
	// web02.example.com
	// web03.example.com
	// db1
	// db3
	// db7
	// root@n1:2222
	// root@n4:2222
	// root@n7:2222
	// root@n10:2222
	// [::1]:22
	// bad host list "web[1-3" at position 3: '[' without ']'
}

// Lines of a hosts file expanded one by one: a "!" on the last line
// removes a host given on the first.
func ExampleParse() {
	lines := []string{
		"rack[1-2]-n[1-2]",
		"gpu1 gpu2",
		"!rack2-n1 !gpu2",
	}
	var include, exclude []string
	for _, line := range lines {
		in, ex, err := hostlist.Parse(line)
		if err != nil {
			fmt.Println(err)
			return
		}
		include = append(include, in...)
		exclude = append(exclude, ex...)
	}
	fmt.Println(exclude)
	fmt.Println(hostlist.Exclude(include, exclude))
	// Output:
	// [rack2-n1 gpu2]
	// [rack1-n1 rack1-n2 rack2-n2 gpu1]
}

func ExampleFold() {
	hosts := []string{"web01", "web02", "web03", "web05", "db1.dc2", "db2.dc2", "web04", "bastion"}
	fmt.Println(hostlist.Fold(hosts))
	fmt.Println(hostlist.FoldList(hosts))
	// Output:
	// web[01-05],db[1-2].dc2,bastion
	// [web[01-05] db[1-2].dc2 bastion]
}

func ExampleItems() {
	for _, it := range hostlist.Items("web[1-3],!web2 db[1,2]") {
		fmt.Println(it)
	}
	// Output:
	// web[1-3]
	// !web2
	// db[1,2]
}
