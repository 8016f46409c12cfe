// Package check validates the documents users send (catalog products,
// lexicons) with github.com/go-playground/validator and words the first
// failure as a *models.Error naming the document's JSON field and what is
// wrong with it.
//
// It is a package of its own, beside models, because two stages validate
// documents — indexer its products, server the lexicon — and neither owns
// the other's, while models itself carries no logic. The rules stay with
// their owners (Checker.Rules, by Go field name, so models' structs carry
// no validation tags); this package holds what they share: the custom tags
// and the wording of errors.
package check

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/go-playground/validator/v10/non-standard/validators"

	"shopsearch/models"
)

// Checker validates documents by the rules registered for their types.
// Register every rule before the first Check; Check is then safe for
// concurrent use.
type Checker struct {
	v     *validator.Validate
	entry string          // how a slice entry is named: "entry", "line"
	keys  map[string]bool // aliases that validate map keys
	first map[string]int  // Go field names reported before the others (Rules)
}

// New returns a checker with the shared tags (besides validator's own):
//
//	notblank   not empty nor only white space
//	maxbytes=N at most N bytes (validator's max counts characters)
//	utf8       valid UTF-8
//	text       no C0 control character (U+0000–U+001F) but tab, newline
//	           and carriage return (a quoted CSV cell may hold lines)
//	line       no C0 control character but tab (keys, codes)
//	nocontrol  valid UTF-8 without any control character (ids)
//	finite     a number, not NaN nor ±Inf
//	cap=N      a list of at most N entries, else models.ETOOLARGE
//
// entry names a slice's entries in errors ("line" gives "words line 3:
// …", 1-based).
func New(entry string) *Checker {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(err error) {
		if err != nil { // only for a malformed tag name: a programming error
			panic(fmt.Sprintf("check: %v", err))
		}
	}
	must(v.RegisterValidation("notblank", validators.NotBlank))
	must(v.RegisterValidation("maxbytes", func(fl validator.FieldLevel) bool {
		n, err := parseParam(fl.Param())
		return err == nil && len(fl.Field().String()) <= n
	}))
	must(v.RegisterValidation("utf8", func(fl validator.FieldLevel) bool { return utf8.ValidString(fl.Field().String()) }))
	must(v.RegisterValidation("text", func(fl validator.FieldLevel) bool { return controlAt(fl.Field().String(), true) < 0 }))
	must(v.RegisterValidation("line", func(fl validator.FieldLevel) bool { return controlAt(fl.Field().String(), false) < 0 }))
	must(v.RegisterValidation("nocontrol", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
	}))
	must(v.RegisterValidation("finite", func(fl validator.FieldLevel) bool {
		f := fl.Field().Float()
		return !math.IsNaN(f) && !math.IsInf(f, 0)
	}))
	must(v.RegisterValidation("cap", func(fl validator.FieldLevel) bool {
		n, err := parseParam(fl.Param())
		return err == nil && fl.Field().Len() <= n
	}))
	return &Checker{v: v, entry: entry, keys: map[string]bool{}, first: map[string]int{}}
}

// Rules sets the rules of doc's type (a struct or a pointer to one):
// validator tags by Go field name. A failure of a field named in first is
// reported before the others' (a source field before one derived from
// it), in that order.
func (c *Checker) Rules(doc any, rules map[string]string, first ...string) {
	c.v.RegisterStructValidationMapRules(rules, doc)
	for i, f := range first {
		c.first[f] = i - len(first) // before every other field's 0
	}
}

// Alias names a list of tags, for the entries of a slice or the values of
// a map (after dive).
func (c *Checker) Alias(alias, tags string) { c.v.RegisterAlias(alias, tags) }

// KeyAlias is Alias for map keys (dive,keys,ALIAS,endkeys): errors then
// name the key rather than its value.
func (c *Checker) KeyAlias(alias, tags string) {
	c.v.RegisterAlias(alias, tags)
	c.keys[alias] = true
}

// Check validates doc and returns nil or the first failure, in the order
// of the struct's fields (within one map field, the smallest key), as a
// *models.Error of code models.EINVALID (models.ETOOLARGE for cap) whose
// message starts with the field's JSON name.
func (c *Checker) Check(doc any) error { return c.result(doc, c.v.Struct(doc)) }

// CheckValue checks one value by tags (an alias, say); the error's message
// starts with label.
func (c *Checker) CheckValue(label string, value any, tags string) error {
	err := c.v.Var(value, tags)
	if errs, ok := err.(validator.ValidationErrors); ok && len(errs) > 0 {
		return models.Errorf(codeOf(errs[0]), "%s: %s", label, what(errs[0], false))
	}
	if err != nil {
		return models.Errorf(models.EINVALID, "%s: %v", label, err)
	}
	return nil
}

func codeOf(fe validator.FieldError) string {
	if fe.ActualTag() == "cap" {
		return models.ETOOLARGE
	}
	return models.EINVALID
}

func (c *Checker) result(doc any, err error) error {
	if err == nil {
		return nil
	}
	errs, ok := err.(validator.ValidationErrors)
	if !ok || len(errs) == 0 {
		return models.Errorf(models.EINVALID, "%v", err) // an invalid document type: a programming error
	}
	first := errs[0] // the validator reports the fields in struct order
	for _, fe := range errs[1:] {
		a, b := c.first[goField(fe)], c.first[goField(first)]
		if a < b || a == b && topField(fe) == topField(first) && fe.Namespace() < first.Namespace() {
			first = fe
		}
	}
	return models.Errorf(codeOf(first), "%s", c.message(first, reflect.TypeOf(doc)))
}

// topField is the document's field fe is in (its JSON name, with no entry
// or key).
func topField(fe validator.FieldError) string {
	ns := fe.Namespace()
	_, ns, _ = strings.Cut(ns, ".") // the type's name
	name, _, _ := strings.Cut(ns, "[")
	name, _, _ = strings.Cut(name, ".")
	return name
}

// goField is the Go name of the document's field fe is in.
func goField(fe validator.FieldError) string {
	_, ns, _ := strings.Cut(fe.StructNamespace(), ".")
	name, _, _ := strings.Cut(ns, "[")
	name, _, _ = strings.Cut(name, ".")
	return name
}

// message words fe: "field: what", "field entry 3: what", "field entry 3:
// sub: what", `field: key "k": what` or `field: value of "k": what`.
func (c *Checker) message(fe validator.FieldError, doc reflect.Type) string {
	_, path, _ := strings.Cut(fe.Namespace(), ".")
	where, top := "", true
	name, rest, nested := strings.Cut(path, "[")
	if nested {
		top = false
		sub, after, _ := strings.Cut(rest, "]")
		switch {
		case c.keys[fe.Tag()]:
			where = fmt.Sprintf("%s: key %q: ", name, sub)
		case isSlice(doc, name):
			n, _ := parseParam(sub)
			where = fmt.Sprintf("%s %s %d: ", name, c.entry, n+1)
			if field := strings.TrimPrefix(after, "."); field != "" {
				where += field + ": "
			}
		default:
			where = fmt.Sprintf("%s: value of %q: ", name, sub)
		}
	} else {
		where = name + ": "
	}
	return where + what(fe, top)
}

// isSlice says whether doc's field of JSON name name is a slice (else a
// map).
func isSlice(doc reflect.Type, name string) bool {
	for doc.Kind() == reflect.Pointer {
		doc = doc.Elem()
	}
	for i := range doc.NumField() {
		f := doc.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name || n == "" && f.Name == name {
			return f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Array
		}
	}
	return false
}

// what says what is wrong with fe's value.
func what(fe validator.FieldError, top bool) string {
	val, param := reflect.ValueOf(fe.Value()), fe.Param()
	switch fe.ActualTag() {
	case "required", "notblank":
		if top {
			return "required"
		}
		return "empty"
	case "max":
		if val.Kind() == reflect.String {
			return fmt.Sprintf("%d characters, at most %s allowed", utf8.RuneCountInString(val.String()), param)
		}
		if k := val.Kind(); k == reflect.Slice || k == reflect.Map {
			return fmt.Sprintf("%d entries, at most %s allowed", val.Len(), param)
		}
		return fmt.Sprintf("must be ≤ %s, got %v", param, fe.Value())
	case "cap":
		return fmt.Sprintf("%d entries; the limit is %s", val.Len(), param)
	case "maxbytes":
		return fmt.Sprintf("longer than %s bytes", param)
	case "utf8":
		return "invalid UTF-8"
	case "text", "line":
		s := val.String()
		i := controlAt(s, fe.ActualTag() == "text")
		r, _ := utf8.DecodeRuneInString(s[max(i, 0):])
		return fmt.Sprintf("control character U+%04X at byte %d", r, i)
	case "nocontrol":
		return "contains control characters or invalid UTF-8"
	case "finite":
		return fmt.Sprintf("must be a finite number, got %v", fe.Value())
	case "gte", "min":
		return fmt.Sprintf("must be ≥ %s, got %v", param, fe.Value())
	case "gt":
		return fmt.Sprintf("must be > %s, got %v", param, fe.Value())
	case "lte":
		return fmt.Sprintf("must be ≤ %s, got %v", param, fe.Value())
	case "oneof":
		return fmt.Sprintf("want %s, got %q", strings.Join(strings.Fields(param), " or "), models.Clip(fmt.Sprint(fe.Value())))
	case "alpha":
		return fmt.Sprintf("letters a–z only, got %q", models.Clip(fmt.Sprint(fe.Value())))
	}
	return fmt.Sprintf("fails %s", fe.ActualTag()) // a tag added without wording
}

// controlAt is the byte offset of the first C0 control character of s that
// is not tab (nor newline or carriage return when multiline), or -1.
func controlAt(s string, multiline bool) int {
	return strings.IndexFunc(s, func(r rune) bool {
		if r == '\t' || multiline && (r == '\n' || r == '\r') {
			return false
		}
		return r < 0x20
	})
}

func parseParam(s string) (int, error) { return strconv.Atoi(s) }
