package rank

import (
	"errors"
	"testing"

	"shopsearch/models"
)

// The default policy on the demo catalog's own hard cases (indexer/demo):
// products filed under the wrong category, and look-alikes that are not
// sensitive.
func TestDefaultSensitiveClasses(t *testing.T) {
	s, err := CompileSensitive(DefaultSensitivePolicy())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		category, title, want string
	}{
		{"其他>其他商品", "悦可婷 左炔诺孕酮炔雌醚片 6片/盒 长效避孕药女性长期避孕紫竹左诀诺", "drugs"},
		{"其他>格列齐特缓释片", "利宁格 格列齐特缓释片 30mg*30片/盒", "drugs"},
		{"其他>清宫长春片", "育林 清宫长春片 0.28g*72片/盒*5盒", "drugs"},
		{"鲜花绿植/农资>畜牧养殖用品>兽药/动物保健品", "狗狗猫咪呕吐止泻西咪替丁片", "drugs"},
		{"其他>避孕套", "冈本 安全套 超薄", "contraception"},
		{"KTV/卡拉OK音箱", "三诺安稳免调码血糖试纸家用测试仪精准血糖仪", "medical_devices"},
		{"其他>烟嘴", "循环过滤烟嘴", "tobacco"},
		{"啤酒", "科罗娜啤酒 330ml*24瓶", "alcohol"},
		// Not sensitive: a humidor, cat food under a 药品 parent, a drug
		// grinder, a beer-belly shaper, DHA capsules.
		{"家居家装>柜子", "恒温恒湿雪茄柜雪松木雪茄柜", ""},
		{"宠物生活>宠物食品/营养品/药品>猫主粮", "皇家幼猫猫粮k36", ""},
		{"家用电器>粉碎机", "中药粉碎机家用磨粉机", ""},
		{"男装>男装其他", "男士收腹裤啤酒肚塑身裤", ""},
		{"母婴/玩具/童装>孕妈奶粉", "惠氏孕妇藻油DHA胶囊 30粒/盒", ""},
		{"家用电器>空调", "大金 空调 1.5匹", ""},
	} {
		p := &models.Product{ID: "x", Title: tc.title, Category: tc.category}
		if got := s.Class(p); got != tc.want {
			t.Errorf("%s | %s: class %q, want %q", tc.category, tc.title, got, tc.want)
		}
	}
}

func TestSensitiveFilter(t *testing.T) {
	p := DefaultSensitivePolicy()
	for i := range p.Classes {
		if p.Classes[i].Name == "alcohol" {
			p.Classes[i].Enabled, p.Classes[i].Regions = true, []string{"xa"}
		}
	}
	s, err := CompileSensitive(p)
	if err != nil {
		t.Fatal(err)
	}
	drug := &models.Product{Title: "格列齐特缓释片 30mg*30片/盒", Category: "其他>格列齐特缓释片"}
	condom := &models.Product{Title: "安全套", Category: "其他>避孕套"}
	beer := &models.Product{Title: "啤酒", Category: "啤酒"}
	phone := &models.Product{Title: "手机", Category: "手机数码>手机"}
	home := s.Filter("home", "sh", nil)
	if !home(drug) || !home(condom) || home(beer) || home(phone) {
		t.Errorf("home in sh: drug %v condom %v beer %v phone %v; want the first two only", home(drug), home(condom), home(beer), home(phone))
	}
	if xa := s.Filter("home", "xa", nil); !xa(beer) {
		t.Error("alcohol enabled for xa: a beer passes a home slot in xa")
	}
	// A contraceptive's page may show contraceptives, not drugs; a phone's neither.
	own := s.Filter("detail", "", condom)
	if own(condom) || !own(drug) {
		t.Errorf("detail of a contraceptive: condom %v drug %v", own(condom), own(drug))
	}
	if f := s.Filter("detail", "", phone); !f(condom) {
		t.Error("detail of a phone shows a contraceptive")
	}
	if s.Filter("search", "", nil) != nil {
		t.Error("search is filtered; it must never be")
	}
	var none *Sensitive
	if none.Filter("home", "", nil) != nil || none.Class(drug) != "" {
		t.Error("a nil policy classes something")
	}
}

func TestCompileSensitiveRejects(t *testing.T) {
	for name, p := range map[string]SensitivePolicy{
		"empty name":    {Classes: []SensitiveClass{{Name: ""}}},
		"duplicate":     {Classes: []SensitiveClass{{Name: "a"}, {Name: "a"}}},
		"bad pattern":   {Classes: []SensitiveClass{{Name: "a", TitlePatterns: []string{"("}}}},
		"blank keyword": {Classes: []SensitiveClass{{Name: "a", TitleKeywords: []string{" "}}}},
		"bad scene":     {Scenes: []string{""}},
	} {
		_, err := CompileSensitive(p)
		var e *models.Error
		if !errors.As(err, &e) || e.Code != models.EINVALID {
			t.Errorf("%s: %v, want an EINVALID error", name, err)
		}
	}
}
