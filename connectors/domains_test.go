package connectors

import "testing"

func TestDomainFromContacts(t *testing.T) {
	tests := []struct {
		name   string
		emails []string
		want   string
	}{
		{"all at one company", []string{"ann@acme.io", "Bob@ACME.io ", "cy@acme.io"}, "acme.io"},
		{"majority beats an agency", []string{"ann@acme.io", "bob@acme.io", "x@agency.com"}, "acme.io"},
		{"free mail does not vote", []string{"ann@acme.io", "me@gmail.com", "you@hotmail.co.uk", "z@gmx.de", "q@yahoo.com"}, "acme.io"},
		{"one work address", []string{"billing@globex.com"}, "globex.com"},
		{"tie resolves nothing", []string{"a@acme.io", "b@agency.com"}, ""},
		{"plurality is not a majority", []string{"a@acme.io", "b@acme.io", "c@one.com", "d@two.com", "e@three.com"}, ""},
		{"only free mail", []string{"a@gmail.com", "b@outlook.com", "c@proton.me", "d@yandex.ru"}, ""},
		{"no contacts", nil, ""},
		{"not addresses", []string{"", "nobody", "@acme.io"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DomainFromContacts(tt.emails)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("DomainFromContacts(%q) = %q, %v; want %q", tt.emails, got, ok, tt.want)
			}
		})
	}
}

func TestIsFreemail(t *testing.T) {
	for d, want := range map[string]bool{
		"gmail.com": true, "gmx.net": true, "yahoo.co.uk": true, "yandex.com.tr": true, "live.fr": true,
		"acme.io": false, "live.acme.io": false, "gmx.example.com": false, "mail.acme.com": false,
	} {
		if got := IsFreemail(d); got != want {
			t.Errorf("IsFreemail(%q) = %v, want %v", d, got, want)
		}
	}
}
