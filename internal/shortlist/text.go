package shortlist

import (
	"fmt"
	"io"
)

// WriteText prints the shortlist for people: grouped by CSM, with the person to recruit and
// the top three reasons.
func WriteText(w io.Writer, sl Shortlist) {
	fmt.Fprintf(w, "Shortlist %s — %d candidates", sl.Week, len(sl.Entries))
	if sl.Considered > 0 {
		fmt.Fprintf(w, " (from %d scored, %d eligible; %d held back by earlier decisions, %d without a contact to ask)",
			sl.Considered, sl.Eligible, sl.Decided, sl.Excluded)
	}
	fmt.Fprintln(w)
	if sl.Stale != "" {
		fmt.Fprintf(w, "! %s\n", sl.Stale)
	}
	if why := sl.Why(); why != "" {
		fmt.Fprintf(w, "%s\n", why)
	}
	for _, g := range sl.ByOwner() {
		owner := g.Owner
		if owner == "" {
			owner = "(no CSM assigned)"
		}
		fmt.Fprintf(w, "\n%s\n", owner)
		for _, e := range g.Entries {
			fmt.Fprintf(w, "  %2d. %-40s %5.1f  → %s", e.Rank, e.Customer.Label(), e.Score, e.Contact.Name)
			if e.Contact.Role != "" {
				fmt.Fprintf(w, ", %s", e.Contact.Role)
			}
			fmt.Fprintf(w, " <%s>\n", e.Contact.Email)
			for i, r := range e.Reasons {
				if i == 3 {
					break
				}
				fmt.Fprintf(w, "        · %s\n", r)
			}
			if e.Caution != "" {
				fmt.Fprintf(w, "        ! %s\n", e.Caution)
			}
		}
	}
}
