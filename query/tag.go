package query

// modifier reports whether a query word says which or for whom, never
// what: the audience (儿童, 女士), the use (家用, 车载), the size (大号),
// the form, the colour, the season, the style or the quality (耐用).
// Chinese noun phrases end in their head (先科茶吧机 → 茶吧机), but shoppers
// often add a modifier after it (茶吧机家用, 字帖成人, 睡衣男): graded
// matching takes the last word that is none of these, nor a brand nor a
// code, for the product noun. It is a short list of general attribute
// words of e-commerce queries, as a query tagger's attribute class holds,
// not fitted to any query set.
func modifier(w string) bool {
	switch w {
	case // audience
		"男", "女", "男士", "女士", "男款", "女款", "男式", "女式", "男女", "男生", "女生", "男童", "女童",
		"儿童", "小孩", "宝宝", "婴儿", "幼儿", "成人", "学生", "小学生", "中学生", "老人", "孕妇", "情侣",
		// use and place
		"家用", "商用", "专用", "通用", "车载", "户外", "室内", "办公", "办公室", "用品",
		// size and form
		"大", "小", "大号", "中号", "小号", "特大号", "迷你", "便携", "便携式", "加大", "加厚", "加长", "超薄",
		"大容量", "小型", "大型", "可折叠", "折叠", "可拆卸", "伸缩", "多功能",
		// colour
		"红色", "黑色", "白色", "粉色", "蓝色", "绿色", "黄色", "紫色", "灰色", "棕色", "金色", "银色", "米白",
		// season and time
		"春季", "夏季", "秋季", "冬季", "春秋", "夏天", "冬天", "秋冬", "春夏", "新款", "新",
		// style and quality
		"简约", "复古", "可爱", "创意", "韩版", "高级感", "结实", "耐用", "结实耐用", "高档", "定制", "清仓",
		"手工", "同款", "爆款", "正品", "包邮", "批发":
		return true
	}
	return false
}
