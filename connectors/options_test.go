package connectors

import "testing"

func TestOptionReader(t *testing.T) {
	allowed := []string{"page_size", "rate_per_minute", "domain_trait", "api_version"}
	tests := []struct {
		name    string
		opts    map[string]string
		read    func(r *OptionReader) any
		want    any
		wantErr string // the whole message; "" = no error
	}{
		{"NoOptionsGivesDefault", nil,
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100, ""},
		{"IntTrimmed", map[string]string{"page_size": " 7 "},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 7, ""},
		{"IntBoundsInclusive", map[string]string{"page_size": "1", "rate_per_minute": "100"},
			func(r *OptionReader) any {
				return [2]int{r.Int("page_size", 50, 1, 100), r.Int("rate_per_minute", 50, 1, 100)}
			}, [2]int{1, 100}, ""},
		{"ErrIntAboveRange", map[string]string{"page_size": "101"},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100,
			`vitally: option page_size "101" must be a whole number from 1 to 100`},
		{"ErrIntFraction", map[string]string{"page_size": "50.5"},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100,
			`vitally: option page_size "50.5" must be a whole number from 1 to 100`},
		{"ErrIntBlankQuotedAsWritten", map[string]string{"page_size": " "},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100,
			`vitally: option page_size " " must be a whole number from 1 to 100`},
		{"NumberFraction", map[string]string{"rate_per_minute": "0.5"},
			func(r *OptionReader) any { return r.Number("rate_per_minute", 100, 0.1, 1e6) }, 0.5, ""},
		{"NumberExponent", map[string]string{"rate_per_minute": "1e6"},
			func(r *OptionReader) any { return r.Number("rate_per_minute", 100, 1, 1e6) }, 1e6, ""},
		{"ErrNumberBelowRange", map[string]string{"rate_per_minute": "0"},
			func(r *OptionReader) any { return r.Number("rate_per_minute", 100, 1, 1e6) }, 100.0,
			`vitally: option rate_per_minute = "0": want a number from 1 to 1e+06`},
		{"ErrNumberNaN", map[string]string{"rate_per_minute": "NaN"},
			func(r *OptionReader) any { return r.Number("rate_per_minute", 100, 1, 1e6) }, 100.0,
			`vitally: option rate_per_minute = "NaN": want a number from 1 to 1e+06`},
		{"StringUnsetGivesDefault", nil,
			func(r *OptionReader) any { return r.String("api_version", "2.11") }, "2.11", ""},
		{"StringBlankGivesDefault", map[string]string{"api_version": "  "},
			func(r *OptionReader) any { return r.String("api_version", "2.11") }, "2.11", ""},
		{"StringTrimmed", map[string]string{"api_version": " 2.12 "},
			func(r *OptionReader) any { return r.String("api_version", "2.11") }, "2.12", ""},
		{"NonEmptyUnset", nil,
			func(r *OptionReader) any { return r.NonEmpty("domain_trait", "leave it out") }, "", ""},
		{"NonEmptyTrimmed", map[string]string{"domain_trait": " site "},
			func(r *OptionReader) any { return r.NonEmpty("domain_trait", "leave it out") }, "site", ""},
		{"ErrNonEmptyBlank", map[string]string{"domain_trait": " "},
			func(r *OptionReader) any { return r.NonEmpty("domain_trait", "leave it out to use the domain trait") }, "",
			`vitally: option domain_trait is empty (leave it out to use the domain trait)`},
		{"ErrInvalidQuotesValueAsWritten", map[string]string{"domain_trait": "a b "},
			func(r *OptionReader) any {
				v, ok := r.Lookup("domain_trait")
				r.Invalid("domain_trait", "must be one word")
				return [2]any{v, ok}
			}, [2]any{"a b", true},
			`vitally: option domain_trait "a b " must be one word`},
		{"ErrUnknownKeyListsAllowedInOrder", map[string]string{"pagesize": "5"},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100,
			`vitally: unknown option "pagesize" (known: page_size, rate_per_minute, domain_trait, api_version)`},
		{"ErrFirstUnknownKeyInSortedOrder", map[string]string{"zz": "1", "aa": "1", "mm": "1"},
			func(r *OptionReader) any { return nil }, nil,
			`vitally: unknown option "aa" (known: page_size, rate_per_minute, domain_trait, api_version)`},
		{"ErrUnknownKeyBeforeBadValue", map[string]string{"page_size": "0", "ratepm": "5"},
			func(r *OptionReader) any { return r.Int("page_size", 100, 1, 100) }, 100,
			`vitally: unknown option "ratepm" (known: page_size, rate_per_minute, domain_trait, api_version)`},
		{"ErrFirstBadValueSticks", map[string]string{"page_size": "0", "rate_per_minute": "0"},
			func(r *OptionReader) any {
				return [2]float64{float64(r.Int("page_size", 100, 1, 100)), r.Number("rate_per_minute", 60, 1, 1e6)}
			}, [2]float64{100, 60},
			`vitally: option page_size "0" must be a whole number from 1 to 100`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Settings{Name: "cs", Type: "vitally", Options: tt.opts}.ReadOptions(allowed...)
			if got := tt.read(r); got != tt.want {
				t.Errorf("value = %#v, want %#v", got, tt.want)
			}
			switch err := r.Err(); {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Err() = %v, want none", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("Err() = %v, want %s", err, tt.wantErr)
			}
		})
	}
}
