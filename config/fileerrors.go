package config

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/xunjian/xunjian/config/section"
)

// A configuration file's mistakes are reported all at once, each naming
// its line and its full key, in Chinese: unknown keys (with the key that
// was probably meant: a typo, or a key indented under the wrong section),
// values of the wrong type (rate: fast), and invalid values. decode and
// annotate implement that on top of yaml.v3, which reports every unknown
// field and type mismatch of a document in one *yaml.TypeError.

// node is one key (or list element) of the user's file.
type node struct {
	path  string // full key: crawl.rate, sites[0].url
	name  string // last key: rate; "" for a list element
	line  int    // line of the key (of the element for list elements)
	value *yaml.Node
}

// index lists every key of a parsed file, in document order.
func index(doc *yaml.Node) []node {
	var out []node
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				out = append(out, node{path: p, name: k.Value, line: k.Line, value: v})
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out = append(out, node{path: p, line: c.Line, value: c})
				walk(c, p)
			}
		case yaml.AliasNode:
			if n.Alias != nil {
				walk(n.Alias, path)
			}
		}
	}
	walk(doc, "")
	return out
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type`)
	typeMismatchRE = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
	lineRE         = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// fileProblems turns yaml.v3's decoding errors into problems naming the
// key and line, in Chinese.
func fileProblems(te *yaml.TypeError, nodes []node) []*section.Problem {
	var out []*section.Problem
	for _, e := range te.Errors {
		switch {
		case unknownFieldRE.MatchString(e):
			m := unknownFieldRE.FindStringSubmatch(e)
			line, _ := strconv.Atoi(m[1])
			n := find(nodes, line, func(n node) bool { return n.name == m[2] })
			out = append(out, &section.Problem{Key: n.path, Line: line, Msg: unknownKeyMessage(n.path), Err: section.ErrUnknownKey})
		case typeMismatchRE.MatchString(e):
			m := typeMismatchRE.FindStringSubmatch(e)
			line, _ := strconv.Atoi(m[1])
			// yaml.v3 shortens long values in its messages ("example...").
			shown := strings.TrimSuffix(m[3], "...")
			kind := map[string]yaml.Kind{"!!seq": yaml.SequenceNode, "!!map": yaml.MappingNode}[m[2]]
			n := find(nodes, line, func(n node) bool {
				if kind != 0 {
					return n.value != nil && n.value.Kind == kind
				}
				return n.value != nil && n.value.Kind == yaml.ScalarNode && strings.HasPrefix(n.value.Value, shown)
			})
			value := m[3]
			if n.value != nil && n.value.Kind == yaml.ScalarNode && m[3] != "" {
				value = n.value.Value
			}
			out = append(out, &section.Problem{Key: n.path, Line: line, Msg: typeMessage(m[2], value, m[4]), Err: section.ErrInvalidValue})
		case lineRE.MatchString(e):
			// A value's own decoder (durations): "line N: want …".
			m := lineRE.FindStringSubmatch(e)
			line, _ := strconv.Atoi(m[1])
			n := find(nodes, line, func(n node) bool { return n.value != nil && n.value.Kind == yaml.ScalarNode })
			out = append(out, &section.Problem{Key: n.path, Line: line, Msg: decoderMessage(m[2]), Err: section.ErrInvalidValue})
		default:
			out = append(out, &section.Problem{Msg: e, Err: section.ErrInvalidValue})
		}
	}
	return out
}

// find returns the key written on line that match selects, else the first
// key on that line, else the last key before it.
func find(nodes []node, line int, match func(node) bool) node {
	var first, before node
	for _, n := range nodes {
		if n.line == line || (n.value != nil && n.value.Line == line && n.name == "") {
			if match(n) {
				return n
			}
			if first.path == "" || (first.name == "" && n.name != "") {
				first = n
			}
		}
		if n.line < line {
			before = n
		}
	}
	if first.path != "" {
		return first
	}
	return before
}

// typeMessage explains a value of the wrong type: what the key wants.
func typeMessage(tag, value, goType string) string {
	want := map[string]string{
		"int": "整数（如 10）", "int64": "整数（如 10）", "float64": "数字（如 10 或 0.5）", "bool": "true 或 false",
		"string": "一段文字", "section.Duration": "时长（如 15s、2m）", "config.Duration": "时长（如 15s、2m）",
	}[goType]
	switch {
	case want == "" && strings.HasPrefix(goType, "[]"):
		want = "列表（如 [a, b]，或每行一个“- 值”）"
	case want == "" && strings.HasPrefix(goType, "map["):
		want = "键值（下一行缩进写“键: 值”）"
	case want == "":
		want = "一组设置（下一行缩进写“键: 值”）"
	}
	got := map[string]string{"!!seq": "一个列表", "!!map": "一组键值", "!!null": "空值"}[tag]
	if value != "" {
		got = "“" + value + "”"
	}
	if got == "" {
		got = tag
	}
	if want[0] < 0x80 {
		want = " " + want // 应为 true 或 false
	}
	return fmt.Sprintf("应为%s，而不是%s", want, got)
}

func decoderMessage(msg string) string {
	if m := regexp.MustCompile(`^want a duration such as 15s, got "(.*)"$`).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("应为时长（如 15s、500ms、2m），而不是“%s”", m[1])
	}
	if strings.HasPrefix(msg, "want a duration") {
		return "应为时长（如 15s、500ms、2m）"
	}
	return msg
}

// unknownKeyMessage explains a key the configuration does not have: a
// typo of a key of the same section, or a key of another section written
// at the wrong indentation.
func unknownKeyMessage(path string) string {
	parent, name := splitKey(path)
	siblings := knownKeys()[pattern(parent)]
	where := "顶层"
	if parent != "" {
		where = parent + " 下"
	}
	msg := fmt.Sprintf("%s没有 %s 这个键", where, name)
	if s := section.Suggest(name, siblings); s != "" {
		return msg + fmt.Sprintf("，是否想写 %s？", s)
	}
	// Known elsewhere: indented under the wrong section.
	var homes []string
	for p, keys := range knownKeys() {
		if slices.Contains(keys, name) && p != pattern(parent) {
			homes = append(homes, p)
		}
	}
	slices.Sort(homes)
	if len(homes) > 0 {
		var fixes []string
		for _, h := range homes {
			if h == "" {
				fixes = append(fixes, fmt.Sprintf("%s 是顶层的键，请取消缩进，从行首写起", name))
				continue
			}
			_, last := splitKey(h)
			fixes = append(fixes, fmt.Sprintf("它是 %s.%s，请把它缩进到 %s: 下面", h, name, last))
		}
		return msg + "；" + strings.Join(fixes, "；或")
	}
	if len(siblings) > 0 && len(siblings) <= 12 {
		return msg + fmt.Sprintf("（可用：%s）", strings.Join(siblings, "、"))
	}
	return msg + "（xunjian config defaults 列出全部键）"
}

func splitKey(path string) (parent, name string) {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

var elementRE = regexp.MustCompile(`\[\d+\]`)

// pattern folds list indexes: sites[0] -> sites[].
func pattern(path string) string { return elementRE.ReplaceAllString(path, "[]") }

// knownKeys maps each section's key pattern ("", "crawl", "sites[]",
// "checks.dark_link") to the keys it has, from the Config struct's yaml
// tags.
func knownKeys() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice:
			walk(t.Elem(), path+"[]")
			return
		case reflect.Struct:
		default:
			return
		}
		if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			return // a scalar with its own syntax (durations)
		}
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if strings.Contains(opts, "inline") {
				walk(f.Type, path)
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[path] = append(out[path], name)
			child := name
			if path != "" {
				child = path + "." + name
			}
			walk(f.Type, child)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return out
}

// lineOf returns the line where key (a problem's full key) is written.
func lineOf(nodes []node, key string) int {
	for _, n := range nodes {
		if n.path == key {
			return n.line
		}
	}
	// A key not written in the file (a default made invalid by another
	// value): the nearest written ancestor.
	for k := key; k != ""; {
		if i := strings.LastIndexAny(k, ".["); i >= 0 {
			k = k[:i]
		} else {
			k = ""
		}
		for _, n := range nodes {
			if n.path == k {
				return n.line
			}
		}
	}
	return 0
}
