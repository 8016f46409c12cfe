package rank

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// Sensitive categories: products a storefront may sell and a shopper may
// search for, but that a recommendation slot must not push at someone who
// did not ask — prescription and OTC drugs, adult products, contraception,
// tobacco, alcohol where a region forbids it, medical devices. The policy
// is a list of classes, each saying how an item is classed, and the scenes
// whose slots leave them out. Search never reads it; a detail page's slot
// leaves out the classes its own item is not in (a contraceptive's page may
// show other contraceptives, a phone's page none).
//
// How an item is classed: catalogs file such products badly (the demo
// files a prescription contraceptive under 其他>其他商品 and blood-glucose
// strips under KTV speakers), so a class matches an item by any of
//   - a category path prefix, whole levels ("医药保健>处方药");
//   - a keyword of the leaf category's name ("避孕" in 其他>避孕套; only the
//     leaf, so 宠物食品/营养品/药品>猫主粮 is cat food, not a drug);
//   - a keyword of the title ("国药准字", "血糖试纸");
//   - a title pattern (a regular expression: the dosage × count that drug
//     titles carry, "30mg*30片").
// Keywords are compared case-insensitively. A class is off when Enabled is
// false, and applies only in Regions when it lists any.

// SensitiveClass is one kind of sensitive product.
type SensitiveClass struct {
	Name    string `json:"name"`  // a short id: drugs, adult, contraception…
	Label   string `json:"label"` // what the console shows: 药品（处方/OTC）
	Enabled bool   `json:"enabled"`
	// Regions, when set, limit the class to shoppers of these region
	// codes (alcohol where a region forbids it); empty: every region.
	Regions          []string `json:"regions,omitempty"`
	CategoryPrefixes []string `json:"category_prefixes,omitempty"`
	LeafKeywords     []string `json:"leaf_keywords,omitempty"`
	TitleKeywords    []string `json:"title_keywords,omitempty"`
	TitlePatterns    []string `json:"title_patterns,omitempty"`
}

// SensitivePolicy is the classes and the scenes they are kept out of.
type SensitivePolicy struct {
	Classes []SensitiveClass `json:"classes"`
	// Scenes whose slots leave the enabled classes out (recall.Scenes
	// names). The detail scene may be listed: its slot then leaves out
	// every class but its own item's.
	Scenes []string `json:"scenes"`
}

// DefaultSensitivePolicy is the policy until merchandisers save one: the
// six kinds of issue 18, out of the home, cart, order-complete and
// zero-result slots and off the detail slots of other products. Alcohol is
// listed but off: no demo region forbids it; a merchandiser enables it with
// the regions that do.
func DefaultSensitivePolicy() SensitivePolicy {
	return SensitivePolicy{
		Scenes: []string{"home", "detail", "cart", "order_complete", "zero_result"},
		Classes: []SensitiveClass{
			{Name: "drugs", Label: "药品（处方药/OTC）", Enabled: true,
				CategoryPrefixes: []string{"医药保健", "医药", "药品", "处方药", "中西药品"},
				LeafKeywords:     []string{"处方药", "非处方药", "OTC", "药品", "中成药", "西药", "兽药", "缓释片", "肠溶片", "胶囊剂"},
				TitleKeywords:    []string{"处方药", "国药准字", "[OTC]", "【OTC】", "缓释片", "肠溶片", "分散片", "缓释胶囊", "避孕药"},
				TitlePatterns:    []string{`\d+(\.\d+)?\s*(mg|g|毫克|克)\s*[*×xX]\s*\d+\s*(片|粒|袋|支)\s*/?\s*盒`}},
			{Name: "adult", Label: "成人用品", Enabled: true,
				CategoryPrefixes: []string{"成人用品", "计生情趣", "情趣用品"},
				LeafKeywords:     []string{"成人用品", "情趣"},
				TitleKeywords:    []string{"情趣", "成人用品"}},
			{Name: "contraception", Label: "避孕/计生", Enabled: true,
				CategoryPrefixes: []string{"计生用品"},
				LeafKeywords:     []string{"避孕", "安全套", "计生", "验孕", "排卵"},
				TitleKeywords:    []string{"避孕", "安全套", "验孕棒", "排卵试纸"}},
			{Name: "tobacco", Label: "烟草制品", Enabled: true,
				CategoryPrefixes: []string{"烟草"},
				LeafKeywords:     []string{"香烟", "卷烟", "雪茄", "电子烟", "烟弹", "烟丝", "烟斗", "烟嘴"},
				TitleKeywords:    []string{"香烟", "电子烟", "烟弹", "雪茄烟", "卷烟"}},
			{Name: "alcohol", Label: "酒类（按地区）", Enabled: false,
				CategoryPrefixes: []string{"酒类", "酒水", "酒饮"},
				LeafKeywords:     []string{"白酒", "啤酒", "葡萄酒", "红酒", "黄酒", "果酒", "洋酒", "清酒", "威士忌", "白兰地", "伏特加", "露酒"},
				TitleKeywords:    []string{"白酒", "威士忌", "白兰地", "伏特加"}},
			{Name: "medical_devices", Label: "医疗器械", Enabled: true,
				CategoryPrefixes: []string{"医疗器械", "医疗保健>医疗器械"},
				LeafKeywords:     []string{"医疗器械", "血压计", "血糖仪", "血糖试纸", "体温计", "制氧机", "雾化器", "轮椅", "助听器"},
				TitleKeywords:    []string{"医疗器械", "血糖仪", "血糖试纸", "血糖试条", "血压计", "制氧机", "雾化器", "助听器"}},
		},
	}
}

// Limits of a SensitivePolicy.
const (
	maxSensitiveClasses  = 50
	maxSensitiveTerms    = 200 // per list of a class
	maxSensitiveTermRune = 100
)

// Sensitive is a compiled SensitivePolicy: it classes products. The zero
// value and nil class nothing. Safe for concurrent use.
type Sensitive struct {
	policy  SensitivePolicy
	classes []compiledClass
}

type compiledClass struct {
	SensitiveClass
	leaf, title []string // lower-cased keywords
	patterns    []*regexp.Regexp
}

// CompileSensitive checks and compiles p; an invalid policy (an empty
// name, a duplicate, a bad pattern, over the limits) is an EINVALID error
// naming the field.
func CompileSensitive(p SensitivePolicy) (*Sensitive, error) {
	if len(p.Classes) > maxSensitiveClasses {
		return nil, models.Errorf(models.EINVALID, "classes: %d; the limit is %d", len(p.Classes), maxSensitiveClasses)
	}
	s := &Sensitive{policy: p}
	seen := map[string]bool{}
	for i, c := range p.Classes {
		field := fmt.Sprintf("classes[%d]", i)
		if c.Name == "" || utf8.RuneCountInString(c.Name) > 50 {
			return nil, models.Errorf(models.EINVALID, "%s.name: want 1 to 50 characters", field)
		}
		if seen[c.Name] {
			return nil, models.Errorf(models.EINVALID, "%s.name: %q twice", field, c.Name)
		}
		seen[c.Name] = true
		cc := compiledClass{SensitiveClass: c}
		for name, list := range map[string][]string{"regions": c.Regions, "category_prefixes": c.CategoryPrefixes,
			"leaf_keywords": c.LeafKeywords, "title_keywords": c.TitleKeywords, "title_patterns": c.TitlePatterns} {
			if len(list) > maxSensitiveTerms {
				return nil, models.Errorf(models.EINVALID, "%s.%s: %d entries; the limit is %d", field, name, len(list), maxSensitiveTerms)
			}
			for _, t := range list {
				if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > maxSensitiveTermRune {
					return nil, models.Errorf(models.EINVALID, "%s.%s: an entry is empty or over %d characters", field, name, maxSensitiveTermRune)
				}
			}
		}
		for _, k := range c.LeafKeywords {
			cc.leaf = append(cc.leaf, strings.ToLower(k))
		}
		for _, k := range c.TitleKeywords {
			cc.title = append(cc.title, strings.ToLower(k))
		}
		for j, pat := range c.TitlePatterns {
			re, err := regexp.Compile("(?i)" + pat)
			if err != nil {
				return nil, models.Errorf(models.EINVALID, "%s.title_patterns[%d]: %v", field, j, err)
			}
			cc.patterns = append(cc.patterns, re)
		}
		s.classes = append(s.classes, cc)
	}
	for i, sc := range p.Scenes {
		if sc == "" || len(sc) > 32 {
			return nil, models.Errorf(models.EINVALID, "scenes[%d]: want a scene name", i)
		}
	}
	return s, nil
}

// Policy returns the policy s was compiled from.
func (s *Sensitive) Policy() SensitivePolicy {
	if s == nil {
		return SensitivePolicy{}
	}
	return s.policy
}

// Class returns the name of the first class (enabled or not) that p falls
// in, or "".
func (s *Sensitive) Class(p *models.Product) string {
	if s == nil || p == nil {
		return ""
	}
	for i := range s.classes {
		if s.classes[i].matches(p) {
			return s.classes[i].Name
		}
	}
	return ""
}

func (c *compiledClass) matches(p *models.Product) bool {
	for _, pre := range c.CategoryPrefixes {
		if models.Category(p.Category).Under(models.Category(pre)) {
			return true
		}
	}
	if len(c.leaf) > 0 {
		leaf := strings.ToLower(models.Category(p.Category).Leaf())
		for _, k := range c.leaf {
			if strings.Contains(leaf, k) {
				return true
			}
		}
	}
	if len(c.title) > 0 || len(c.patterns) > 0 {
		title := strings.ToLower(p.Title)
		for _, k := range c.title {
			if strings.Contains(title, k) {
				return true
			}
		}
		for _, re := range c.patterns {
			if re.MatchString(p.Title) {
				return true
			}
		}
	}
	return false
}

// Filter returns what a slot of scene for a shopper in region leaves
// out: a function reporting whether a product is in an enabled class that
// applies there; nil when nothing is left out. For the detail scene, own is
// the page's item: its own class stays allowed.
func (s *Sensitive) Filter(scene, region string, own *models.Product) func(p *models.Product) bool {
	if s == nil || !slices.Contains(s.policy.Scenes, scene) {
		return nil
	}
	var active []*compiledClass
	for i := range s.classes {
		c := &s.classes[i]
		if !c.Enabled || len(c.Regions) > 0 && !slices.Contains(c.Regions, region) {
			continue
		}
		if own != nil && c.matches(own) {
			continue
		}
		active = append(active, c)
	}
	if len(active) == 0 {
		return nil
	}
	return func(p *models.Product) bool {
		for _, c := range active {
			if c.matches(p) {
				return true
			}
		}
		return false
	}
}
