package suggest

import (
	"slices"
	"testing"
)

func TestPinyinKeys(t *testing.T) {
	z, err := defaultRomanizer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, full, initials string
	}{
		// The polyphones: go-pinyin alone reads yinxing,
		// zhongqing, zhangqun, zhangkuan.
		{"银行", "yinhang", "yh"},
		{"重庆", "chongqing", "cq"},
		{"长裙", "changqun", "cq"},
		{"行李箱", "xinglixiang", "xlx"},
		{"长款", "changkuan", "ck"},
		{"重量", "zhongliang", "zl"},
		// Polyphones among the catalog's product words.
		{"银行卡套", "yinhangkatao", "yhkt"},
		{"长尾夹", "changweijia", "cwj"},
		{"延长线", "yanchangxian", "ycx"},
		{"长裤", "changku", "ck"},
		{"体重秤", "tizhongcheng", "tzc"},
		{"重低音炮", "zhongdiyinpao", "zdyp"},
		{"空调", "kongtiao", "kt"},
		{"成长贴", "chengzhangtie", "czt"},
		// Plain words, ü as v, Latin and digits passed through.
		{"手机壳", "shoujike", "sjk"},
		{"蓝牙耳机", "lanyaerji", "lyej"},
		{"女装", "nvzhuang", "nz"},
		{"iphone手机壳", "iphoneshoujike", "iphonesjk"},
		{"华为mate60", "huaweimate60", "hwmate60"},
		{"m&g", "mg", "mg"},
		{"", "", ""},
	}
	for _, tc := range tests {
		full, ini, _ := z.pinyinKeys(tc.text)
		if full != tc.full || ini != tc.initials {
			t.Errorf("pinyinKeys(%q) = %q, %q; want %q, %q", tc.text, full, ini, tc.full, tc.initials)
		}
	}
}

func TestReadingsOf(t *testing.T) {
	z, err := defaultRomanizer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		first reading
		also  []string // other full readings that must be among them
	}{
		{"长", reading{"chang", "c"}, []string{"zhang"}},
		{"苹果", reading{"pingguo", "pg"}, nil},
		{"重", reading{"zhong", "z"}, []string{"chong"}},
		{"iphone长", reading{"iphonechang", "iphonec"}, []string{"iphonezhang"}},
	}
	for _, tc := range tests {
		got := z.readingsOf(tc.text, 8)
		if len(got) == 0 || got[0] != tc.first {
			t.Errorf("readingsOf(%q)[0] = %v; want %v", tc.text, got, tc.first)
			continue
		}
		for _, want := range tc.also {
			if !slices.ContainsFunc(got, func(r reading) bool { return r.full == want }) {
				t.Errorf("readingsOf(%q) = %v; want %q among them", tc.text, got, want)
			}
		}
		if len(got) > 8 {
			t.Errorf("readingsOf(%q) gave %d readings; limit 8", tc.text, len(got))
		}
	}
}

func TestPhraseTableErrors(t *testing.T) {
	for _, text := range []string{
		"银行 yin",         // too few syllables
		"银行 yin hang ka", // too many
		"银行 yin Hang",    // not lowercase
		"银行 yín hang",    // tone mark
	} {
		if _, err := newRomanizer(text); err == nil {
			t.Errorf("newRomanizer(%q) succeeded; want an error", text)
		}
	}
	if _, err := newRomanizer("# comment\n\n银行 yin hang\n"); err != nil {
		t.Errorf("a valid table: %v", err)
	}
}
