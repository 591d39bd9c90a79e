package hostlist

import (
	"slices"
	"strconv"
	"strings"
)

// Fold returns hosts written as a compact list that Expand turns back into
// the same set of hosts: names that differ in one number are folded into a
// bracket range, e.g. web01 ... web18, web20 into "web[01-18,20]". Where
// names hold several numbers, the last one that differs between them is
// folded (web01.dc1, web02.dc1 into "web[01-02].dc1"). Groups appear in
// the order of their first host; duplicates are dropped. Names holding
// brackets, '!', ',' or white space, and IPv6 addresses, are kept as they
// are.
func Fold(hosts []string) string {
	return strings.Join(FoldList(hosts), ",")
}

// FoldList is Fold returning the folded items separately.
func FoldList(hosts []string) []string {
	var names []*name
	seen := map[string]bool{}
	shapes := map[string]*shape{}
	for _, h := range hosts {
		if seen[h] {
			continue
		}
		seen[h] = true
		n := parseName(h)
		names = append(names, n)
		if n.shape == "" {
			continue
		}
		s := shapes[n.shape]
		if s == nil {
			s = &shape{first: n.digits}
			shapes[n.shape] = s
		}
		for k, d := range n.digits {
			if d != s.first[k] {
				s.vary = max(s.vary, k+1)
			}
		}
	}
	// Choose the folded number of each name, and note zero-padded widths.
	padded := map[string]bool{} // key and width
	for _, n := range names {
		if n.shape == "" {
			continue
		}
		n.fold = len(n.digits) - 1
		if v := shapes[n.shape].vary; v > 0 {
			n.fold = v - 1
		}
		n.key = n.shape
		for k, d := range n.digits {
			if k != n.fold {
				n.key += "\x00" + d
			}
		}
		if d := n.digits[n.fold]; len(d) > 1 && d[0] == '0' {
			padded[n.key+"\x00"+strconv.Itoa(len(d))] = true
		}
	}
	var out []string
	groups := map[string]*group{}
	var order []any // string or *group
	for _, n := range names {
		if n.shape == "" {
			order = append(order, n.text)
			continue
		}
		d := n.digits[n.fold]
		width := 0
		if padded[n.key+"\x00"+strconv.Itoa(len(d))] {
			width = len(d)
		}
		key := n.key + "\x00" + strconv.Itoa(width)
		g := groups[key]
		if g == nil {
			g = &group{n: n, width: width}
			groups[key] = g
			order = append(order, g)
		}
		v, _ := strconv.Atoi(d)
		g.nums = append(g.nums, v)
	}
	for _, e := range order {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case *group:
			out = append(out, e.String())
		}
	}
	return out
}

// name is a host name cut into text and digit runs: texts[0] digits[0]
// texts[1] ... digits[k-1] texts[k].
type name struct {
	text   string
	texts  []string
	digits []string
	shape  string // the texts joined; "" if the name is not foldable
	fold   int    // index of the number folded
	key    string // shape and the numbers not folded
}

type shape struct {
	first []string
	vary  int // 1 + the last index whose number differs between names, or 0
}

type group struct {
	n     *name
	width int
	nums  []int
}

func parseName(h string) *name {
	n := &name{text: h}
	if h == "" || strings.ContainsAny(h, "[]!, \t\r\n") || strings.Count(h, ":") > 1 {
		return n
	}
	i := 0
	for i <= len(h) {
		j := i
		for j < len(h) && !isDigit(h[j]) {
			j++
		}
		n.texts = append(n.texts, h[i:j])
		if j == len(h) {
			break
		}
		k := j
		for k < len(h) && isDigit(h[k]) {
			k++
		}
		if k-j > 9 {
			return &name{text: h}
		}
		n.digits = append(n.digits, h[j:k])
		i = k
	}
	if len(n.digits) == 0 {
		return &name{text: h}
	}
	for _, t := range n.texts {
		n.shape += strconv.Quote(t)
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// String writes the group as prefix[ranges]suffix, or the plain name when
// it has one number.
func (g *group) String() string {
	var b strings.Builder
	for k := 0; k < g.n.fold; k++ {
		b.WriteString(g.n.texts[k])
		b.WriteString(g.n.digits[k])
	}
	b.WriteString(g.n.texts[g.n.fold])
	nums := sortedUnique(g.nums)
	if len(nums) == 1 {
		b.WriteString(pad(nums[0], g.width))
	} else {
		b.WriteByte('[')
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(pad(nums[i], g.width))
			if j > i {
				b.WriteByte('-')
				b.WriteString(pad(nums[j], g.width))
			}
			i = j + 1
		}
		b.WriteByte(']')
	}
	for k := g.n.fold + 1; k < len(g.n.digits); k++ {
		b.WriteString(g.n.texts[k])
		b.WriteString(g.n.digits[k])
	}
	b.WriteString(g.n.texts[len(g.n.digits)])
	return b.String()
}

func sortedUnique(nums []int) []int {
	s := append([]int(nil), nums...)
	slices.Sort(s)
	return slices.Compact(s)
}
