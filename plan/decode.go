package plan

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// decode copies a parsed TOML tree into v. The TOML package's own decoder
// stops at the first value of the wrong type and reports unknown keys without
// saying which [[service]] they are in; walking the tree here reports every
// such problem at once, each with its exact path.
func (c *checker) decode(path string, data any, v reflect.Value) {
	t := v.Type()
	if t == timeType {
		tm, ok := data.(time.Time)
		if !ok {
			c.wrongType(path, data, "a date or date-time without quotes, such as 2026-11-19 or 2026-11-19T08:00:00")
			return
		}
		v.Set(reflect.ValueOf(tm))
		return
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := data.(string)
		if !ok {
			c.wrongType(path, data, "text in quotes")
			return
		}
		v.SetString(s)
	case reflect.Int:
		n, ok := data.(int64)
		if !ok {
			c.wrongType(path, data, "a whole number without quotes")
			return
		}
		v.SetInt(n)
	case reflect.Float64:
		switch n := data.(type) {
		case float64:
			v.SetFloat(n)
		case int64:
			v.SetFloat(float64(n))
		default:
			c.wrongType(path, data, "a number without quotes")
		}
	case reflect.Bool:
		b, ok := data.(bool)
		if !ok {
			c.wrongType(path, data, "true or false without quotes")
			return
		}
		v.SetBool(b)
	case reflect.Slice:
		var items []any
		switch d := data.(type) {
		case []any:
			items = d
		case []map[string]any:
			for _, m := range d {
				items = append(items, m)
			}
		default:
			c.wrongType(path, data, "a list in [ ]")
			return
		}
		v.Set(reflect.MakeSlice(t, len(items), len(items)))
		for i, item := range items {
			c.decode(fmt.Sprintf("%s[%d]", path, i+1), item, v.Index(i))
		}
	case reflect.Map:
		m, ok := data.(map[string]any)
		if !ok {
			c.wrongType(path, data, "a table")
			return
		}
		v.Set(reflect.MakeMapWithSize(t, len(m)))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			elem := reflect.New(t.Elem()).Elem()
			c.decode(join(path, k), m[k], elem)
			v.SetMapIndex(reflect.ValueOf(k), elem)
		}
	case reflect.Struct:
		m, ok := data.(map[string]any)
		if !ok {
			c.wrongType(path, data, "a table")
			return
		}
		fields := tomlFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			i, ok := fields[k]
			if !ok {
				c.add(join(path, k), "unknown key; check the spelling (known here: %s)", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
				continue
			}
			c.decode(join(path, k), m[k], v.Field(i))
		}
	default:
		panic(fmt.Sprintf("plan: no TOML decoding for %s", t)) // a programming error in this package's types
	}
}

func (c *checker) wrongType(path string, data any, want string) {
	var found string
	switch d := data.(type) {
	case string:
		found = fmt.Sprintf("text %q", d)
	case time.Time:
		found = "a date or time"
	case []any, []map[string]any:
		found = "a list"
	case map[string]any:
		found = "a table"
	default:
		found = fmt.Sprint(d)
	}
	c.add(path, "found %s; write %s", found, want)
}

// tomlFields maps the TOML names of t's fields to their indexes. Fields
// without a toml tag, or tagged "-", are not read from the file.
func tomlFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}
