package notify

import (
	"errors"
	"sort"
	"strconv"

	"github.com/shopspring/decimal"

	"chuangdai/internal/msg"
)

// The templates: a name (what the SMS gateway receives as "template") and
// the text, an entry of the message catalogue (internal/msg/zh_CN.po) with
// the event's parameters. Parameters are strings; amounts are yuan with two
// decimals, dates YYYY-MM-DD, stages status codes (with their Chinese label
// beside them, for the gateway's own templates).
var templates = map[string]func(p map[string]string) msg.Text{
	"application.submitted": func(p map[string]string) msg.Text {
		return msg.New("Your loan application %s was submitted: it waits for the eligibility review.", p["number"])
	},
	"application.advanced": func(p map[string]string) msg.Text {
		return msg.New("Your loan application %[1]s passed a review and is now at the %[2]s.", p["number"], msg.Label("status", p["stage"]))
	},
	"application.to_review": func(p map[string]string) msg.Text {
		return msg.New("Application %[1]s waits for your %[2]s.", p["number"], msg.Label("status", p["stage"]))
	},
	"application.returned": func(p map[string]string) msg.Text {
		return msg.New("Your loan application %[1]s was returned: %[2]s. Documents missing: %[3]s. Correct it and submit it again.",
			p["number"], p["comment"], both{p["missing"], p["missing_en"]})
	},
	"application.rejected": func(p map[string]string) msg.Text {
		if p["missing"] != "" {
			return msg.New("Your loan application %[1]s was rejected: %[2]s. Documents missing: %[3]s.",
				p["number"], p["comment"], both{p["missing"], p["missing_en"]})
		}
		return msg.New("Your loan application %[1]s was rejected: %[2]s.", p["number"], p["comment"])
	},
	"application.approved": func(p map[string]string) msg.Text {
		return msg.New("Your loan application %[1]s was approved for %[2]s: the bank will disburse the loan.", p["number"], money(p["amount"]))
	},
	"application.to_disburse": func(p map[string]string) msg.Text {
		return msg.New("Application %[1]s was approved for %[2]s: record the disbursement.", p["number"], money(p["amount"]))
	},
	"application.withdrawn": func(p map[string]string) msg.Text {
		return msg.New("Application %s was withdrawn by the applicant.", p["number"])
	},
	"stage.deadline": func(p map[string]string) msg.Text {
		return msg.New("Application %[1]s must be decided at the %[2]s by tomorrow (%[3]s).", p["number"], msg.Label("status", p["stage"]), p["deadline"])
	},
	"loan.disbursed": func(p map[string]string) msg.Text {
		return msg.New("Your loan %[1]s of %[2]s was disbursed on %[3]s.", p["number"], money(p["amount"]), p["date"])
	},
	"loan.disbursement_reversed": func(p map[string]string) msg.Text {
		return msg.New("The disbursement of your loan %[1]s of %[2]s on %[3]s was reversed: the loan is cancelled and the bank will disburse your approved application again.", p["number"], money(p["amount"]), p["date"])
	},
	"loan.due": func(p map[string]string) msg.Text {
		return msg.New("Your loan %[1]s: a repayment is due on %[2]s. Pay it on time to keep the interest subsidy.", p["number"], p["date"])
	},
	"loan.overdue": func(p map[string]string) msg.Text {
		return msg.New("Your loan %[1]s is overdue since %[2]s: pay what is due as soon as possible.", p["number"], p["date"])
	},
	"loan.overdue_officer": func(p map[string]string) msg.Text {
		return msg.New("Loan %[1]s is overdue since %[2]s.", p["number"], p["date"])
	},
	"subsidy.checked": func(p map[string]string) msg.Text {
		return msg.New("The interest subsidy of loan %[1]s for %[2]s was checked: %[3]s.", p["number"], p["period"], money(p["amount"]))
	},
	"subsidy.paid": func(p map[string]string) msg.Text {
		return msg.New("The interest subsidy of loan %[1]s for %[2]s was paid: %[3]s.", p["number"], p["period"], money(p["amount"]))
	},
	"loan.compensated": func(p map[string]string) msg.Text {
		return msg.New("The guarantee fund compensated the bank %[2]s for loan %[1]s.", p["number"], money(p["amount"]))
	},
	"digest": func(p map[string]string) msg.Text {
		return msg.New("You have %[1]s new items in chuangdai since the last digest (%[2]s): sign in to see them.", p["count"], p["date"])
	},
}

// Templates lists the template names, for the documentation.
func Templates() []string {
	out := make([]string, 0, len(templates))
	for name := range templates {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Render is the text of template with params (empty for an unknown one).
func Render(template string, params map[string]string) msg.Text {
	t, ok := templates[template]
	if !ok {
		return msg.Text{}
	}
	return t(params)
}

func errUnknownTemplate(name string) error {
	return errors.New("unknown template " + strconv.Quote(name))
}

// both is a parameter given in Chinese and in English.
type both struct{ zh, en string }

func (b both) Localize(l msg.Lang) string {
	if l == msg.EN && b.en != "" {
		return b.en
	}
	return b.zh
}

// money shows an amount parameter as money; one that does not parse shows
// as written.
func money(s string) msg.Localizer {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return both{s, s}
	}
	return msg.Money(d)
}
