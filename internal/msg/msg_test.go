package msg_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"chuangdai/internal/msg"
)

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]msg.Lang{
		"":                          msg.ZH,
		"en":                        msg.EN,
		"en-US,en;q=0.9":            msg.EN,
		"zh-CN,zh;q=0.9,en;q=0.8":   msg.ZH,
		"zh-Hans":                   msg.ZH,
		"zh-TW":                     msg.ZH,
		"fr-FR":                     msg.ZH,
		"fr-FR, en;q=0.5":           msg.EN,
		"en;q=0.2, zh;q=0.9":        msg.ZH,
		"*":                         msg.ZH,
		"not a ;;; language header": msg.ZH,
	} {
		if got := msg.FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %v, want %v", h, got, want)
		}
	}
	if msg.ZH.Tag() != "zh-CN" || msg.EN.Tag() != "en" {
		t.Errorf("tags %s %s", msg.ZH.Tag(), msg.EN.Tag())
	}
}

func rate(s string) msg.Percent   { return msg.Percent(decimal.RequireFromString(s)) }
func money(s string) msg.Money    { return msg.Money(decimal.RequireFromString(s)) }
func render(t msg.Text) [2]string { return [2]string{t.Render(msg.ZH), t.Render(msg.EN)} }

func TestArguments(t *testing.T) {
	for _, c := range []struct {
		arg    msg.Localizer
		zh, en string
	}{
		{rate("0.0450"), "4.50%", "4.50%"},
		{rate("0.0395"), "3.95%", "3.95%"},
		{rate("0.04125"), "4.125%", "4.125%"},
		{rate("0.000395"), "0.0395%", "0.0395%"},
		{rate("0.1"), "10.00%", "10.00%"},
		{money("300000"), "300,000.00 元", "300,000.00 yuan"},
		{money("4000000.5"), "4,000,000.50 元", "4,000,000.50 yuan"},
		{money("999.99"), "999.99 元", "999.99 yuan"},
		{money("-1234.5"), "-1,234.50 元", "-1,234.50 yuan"},
		{money("0"), "0.00 元", "0.00 yuan"},
		{msg.Label("status", "bank_review"), "银行审核", "bank_review"},
		{msg.Label("status", "no_such_status"), "no_such_status", "no_such_status"},
		{msg.OneOf("borrower_type", "individual", "partnership"), "个人（individual）、合伙（partnership）", "individual, partnership"},
		{msg.New("is required"), "必填", "is required"},
	} {
		if zh, en := c.arg.Localize(msg.ZH), c.arg.Localize(msg.EN); zh != c.zh || en != c.en {
			t.Errorf("%#v: %q / %q, want %q / %q", c.arg, zh, en, c.zh, c.en)
		}
	}
}

func TestRender(t *testing.T) {
	// The catalogue's own messages: positional verbs reorder arguments, typed
	// arguments localise, other arguments print as fmt prints them.
	got := render(msg.New("must not exceed %s on %s (one-year LPR %s + %d bp); %s was sent: rates are decimal fractions, 0.0395 for 3.95%%",
		rate("0.045"), "2025-06-01", rate("0.03"), 150, rate("0.0395")))
	want := [2]string{
		"年利率不得超过 4.50%（2025-06-01 一年期 LPR 3.00% + 150 个基点），本次填写的是 3.95%：利率用小数表示，0.0395 即 3.95%",
		"must not exceed 4.50% on 2025-06-01 (one-year LPR 3.00% + 150 bp); 3.95% was sent: rates are decimal fractions, 0.0395 for 3.95%",
	}
	if got != want {
		t.Errorf("rate cap:\n got %q\nwant %q", got, want)
	}
	got = render(msg.New("is above the cap of %s for %s loans", money("300000"), msg.Label("borrower_type", "individual")))
	if want := [2]string{"超过个人贷款的额度上限 300,000.00 元", "is above the cap of 300,000.00 yuan for individual loans"}; got != want {
		t.Errorf("cap: %q, want %q", got, want)
	}
	// A nested message and an error carrying one render in the same language.
	nested := msg.New("the loan is %s: %s", msg.Label("loan_status", "settled"), msg.New("only an active loan can fall overdue"))
	if got := render(nested); got != [2]string{"贷款当前为“已结清”状态：只有正常的贷款会转为逾期", "the loan is settled: only an active loan can fall overdue"} {
		t.Errorf("nested: %q", got)
	}
	e := msg.Err("check digit is wrong: the number was mistyped")
	wrapped := fmt.Errorf("id: %w", e)
	if text, ok := msg.TextOf(wrapped); !ok || text.Render(msg.ZH) != "校验码不对：号码可能输错了" {
		t.Errorf("TextOf(wrapped) = %v, %v", text, ok)
	}
	if _, ok := msg.TextOf(errors.New("plain")); ok {
		t.Error("a plain error carries no message")
	}
	if got := render(msg.New("is not a valid resident ID number: %s", e)); got[0] != "不是有效的居民身份证号码：校验码不对：号码可能输错了" {
		t.Errorf("error argument: %q", got)
	}
	// A message missing from the catalogue (the coverage test prevents it)
	// falls back to English rather than failing.
	if got := msg.New("no such message %d", 3).Render(msg.ZH); got != "no such message 3" {
		t.Errorf("fallback: %q", got)
	}
	if b, err := msg.New("must be at least 1").MarshalJSON(); err != nil || string(b) != `"must be at least 1"` {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
}

func TestParsePO(t *testing.T) {
	c, err := msg.ParsePO(`# comment
msgid ""
msgstr ""
"Language: zh_CN\n"

msgid "a long"
" message"
msgstr "一条"
"长消息"

msgctxt "status"
msgid "draft"
msgstr "草稿"
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Messages()["a long message"] != "一条长消息" || c.Labels()["status"]["draft"] != "草稿" || len(c.Messages()) != 1 {
		t.Errorf("parsed %v %v", c.Messages(), c.Labels())
	}
	for name, src := range map[string]string{
		"no translation":     "msgid \"a\"\nmsgstr \"\"\n",
		"duplicate":          "msgid \"a\"\nmsgstr \"甲\"\nmsgid \"a\"\nmsgstr \"乙\"\n",
		"duplicate label":    "msgctxt \"k\"\nmsgid \"a\"\nmsgstr \"甲\"\nmsgctxt \"k\"\nmsgid \"a\"\nmsgstr \"乙\"\n",
		"msgstr first":       "msgstr \"甲\"\n",
		"bad quoting":        "msgid a\nmsgstr \"甲\"\n",
		"unknown keyword":    "msgid_plural \"a\"\n",
		"stray continuation": "\"a\"\n",
		"missing msgstr":     "msgid \"a\"\n",
	} {
		if _, err := msg.ParsePO(src); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestVerbs(t *testing.T) {
	for f, want := range map[string][]msg.Verb{
		"plain":              nil,
		"100%% sure":         nil,
		"%s and %d":          {{Arg: 1, Letter: 's'}, {Arg: 2, Letter: 'd'}},
		"%[2]s before %[1]d": {{Arg: 2, Letter: 's'}, {Arg: 1, Letter: 'd'}},
		"%-5.2f %q":          {{Arg: 1, Letter: 'f'}, {Arg: 2, Letter: 'q'}},
	} {
		got, err := msg.Verbs(f)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Verbs(%q) = %v, %v; want %v", f, got, err, want)
		}
	}
	for _, bad := range []string{"3.95%", "%", "%[0]s", "%[x]s", "%*d"} {
		if _, err := msg.Verbs(bad); err == nil {
			t.Errorf("Verbs(%q) accepted", bad)
		}
	}
	a, _ := msg.Verbs("%s of %d")
	b, _ := msg.Verbs("%[2]d 的 %[1]s")
	c, _ := msg.Verbs("%[2]s 的 %[1]d")
	if !msg.SameVerbs(a, b) || msg.SameVerbs(a, c) || msg.ArgCount(b) != 2 {
		t.Error("SameVerbs/ArgCount")
	}
}
