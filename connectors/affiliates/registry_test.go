package affiliates_test

import (
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
	_ "github.com/advocate-hq/advocate/connectors/affiliates/all"
)

func TestNew(t *testing.T) {
	cases := []struct {
		name    string
		s       affiliates.Settings
		wantErr string
	}{
		{"unknown platform", affiliates.Settings{Platform: "impact", APIKey: "k"}, `unknown platform "impact"`},
		{"missing key", affiliates.Settings{Platform: "rewardful"}, "api_key is required"},
		{"rewardful", affiliates.Settings{Platform: "rewardful", APIKey: "k"}, ""},
		{"dub", affiliates.Settings{Platform: "dub", APIKey: "k"}, ""},
		{"firstpromoter", affiliates.Settings{Platform: "firstpromoter", APIKey: "k", AccountID: "a"}, ""},
		{"partnerstack", affiliates.Settings{Platform: "partnerstack", APIKey: "k", PublicKey: "p"}, ""},
		{"case-insensitive", affiliates.Settings{Platform: "Rewardful", APIKey: "k"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := affiliates.New(c.s)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || p.Name() != strings.ToLower(c.s.Platform) {
				t.Fatalf("New = %v, %v", p, err)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	type st struct{ Page int }
	s, err := affiliates.EncodeCursor("x", st{Page: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got st
	if err := affiliates.DecodeCursor("x", s, &got); err != nil || got.Page != 3 {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	if err := affiliates.DecodeCursor("x", "{bad", &got); err == nil || !strings.Contains(err.Error(), "affiliates x") {
		t.Fatalf("bad cursor err = %v", err)
	}
}
