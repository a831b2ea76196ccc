package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ShortlistEntry is one candidate on a stored shortlist.
type ShortlistEntry struct {
	CustomerID   string   `json:"customer_id"`
	Rank         int      `json:"rank"`
	Score        float64  `json:"score"`
	ContactEmail string   `json:"contact_email"`
	ContactName  string   `json:"contact_name"`
	ContactRole  string   `json:"contact_role"`
	Reasons      []string `json:"reasons"`
	Caution      string   `json:"caution,omitempty"`
}

// Shortlist is the stored shortlist of one ISO week.
type Shortlist struct {
	ID         int64            `json:"id"`
	Week       string           `json:"week"`
	ScoreRunID int64            `json:"score_run_id"`
	CreatedAt  time.Time        `json:"created_at"`
	PostedAt   *time.Time       `json:"posted_at,omitempty"`
	Entries    []ShortlistEntry `json:"entries"`
}

// ErrShortlistPosted is returned when replacing a week's shortlist that was already sent.
var ErrShortlistPosted = errors.New("this week's shortlist was already posted")

// SaveShortlist stores the week's shortlist, replacing an earlier version that was not posted yet.
func (s *Store) SaveShortlist(ctx context.Context, week string, scoreRunID int64, entries []ShortlistEntry) (Shortlist, error) {
	sl := Shortlist{Week: week, ScoreRunID: scoreRunID, Entries: entries}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var posted sql.NullTime
		err := tx.QueryRowContext(ctx, s.q("ShortlistOfWeek"), week).Scan(&sl.ID, &posted)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if err := tx.GetContext(ctx, &sl.ID, s.q("InsertShortlist"), week, scoreRunID, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case posted.Valid:
			return ErrShortlistPosted
		case s.hasMessages(ctx, tx, sl.ID):
			// Posting began (the messages are planned, some maybe sent): the list is frozen so
			// a resumed post sends the same candidates the first messages showed.
			return ErrShortlistPosted
		default:
			if _, err := tx.ExecContext(ctx, s.q("DeleteShortlistEntries"), sl.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q("UpdateShortlist"), scoreRunID, now, sl.ID); err != nil {
				return err
			}
		}
		sl.CreatedAt = now
		for _, e := range entries {
			reasons, _ := json.Marshal(nonNil(e.Reasons))
			if _, err := tx.ExecContext(ctx, s.q("InsertShortlistEntry"), sl.ID, e.CustomerID, e.Rank, e.Score, e.ContactEmail, e.ContactName, e.ContactRole, string(reasons), e.Caution); err != nil {
				return fmt.Errorf("entry %s: %w", e.CustomerID, err)
			}
		}
		return nil
	})
	if err != nil {
		return Shortlist{}, fmt.Errorf("save shortlist for %s: %w", week, err)
	}
	return sl, nil
}

// hasMessages reports whether a shortlist's Slack messages were planned. An error reads as
// true: refusing to rebuild is the safe side.
func (s *Store) hasMessages(ctx context.Context, tx *sqlx.Tx, id int64) bool {
	var n int
	if err := tx.GetContext(ctx, &n, s.q("CountShortlistMessages"), id); err != nil {
		return true
	}
	return n > 0
}

// GetShortlist reads the shortlist of a week, or ErrNotFound.
func (s *Store) GetShortlist(ctx context.Context, week string) (Shortlist, error) {
	var sl Shortlist
	var posted sql.NullTime
	var run sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q("GetShortlist"), week).Scan(&sl.ID, &sl.Week, &run, &sl.CreatedAt, &posted)
	if errors.Is(err, sql.ErrNoRows) {
		return sl, fmt.Errorf("shortlist %s: %w", week, ErrNotFound)
	}
	if err != nil {
		return sl, fmt.Errorf("read shortlist %s: %w", week, err)
	}
	sl.ScoreRunID, sl.CreatedAt, sl.PostedAt = run.Int64, sl.CreatedAt.UTC(), nullTime(posted)
	sl.Entries, err = collect(ctx, s.db, func(r rowScanner) (ShortlistEntry, error) {
		var e ShortlistEntry
		var reasons []byte
		if err := r.Scan(&e.CustomerID, &e.Rank, &e.Score, &e.ContactEmail, &e.ContactName, &e.ContactRole, &reasons, &e.Caution); err != nil {
			return e, err
		}
		return e, json.Unmarshal(reasons, &e.Reasons)
	}, s.q("ShortlistEntries"), sl.ID)
	if err != nil {
		return sl, fmt.Errorf("read shortlist %s entries: %w", week, err)
	}
	return sl, nil
}

// ShortlistMessage is one Slack message of a week's shortlist: planned first, then sent.
type ShortlistMessage struct {
	ID            int64      `json:"id"`
	Week          string     `json:"week"`
	Seq           int        `json:"seq"`
	Recipient     string     `json:"recipient,omitempty"` // CSM email for a DM; "" for the channel
	Channel       string     `json:"channel"`             // channel name/id, or a Slack user id for a DM
	Text          string     `json:"text"`
	Blocks        string     `json:"blocks"` // Block Kit JSON
	PostedChannel string     `json:"posted_channel,omitempty"`
	TS            string     `json:"ts,omitempty"` // "" until sent
	PostedAt      *time.Time `json:"posted_at,omitempty"`
}

// Sent reports whether the message reached Slack.
func (m ShortlistMessage) Sent() bool { return m.TS != "" }

func scanShortlistMessage(r rowScanner) (ShortlistMessage, error) {
	var m ShortlistMessage
	var posted sql.NullTime
	err := r.Scan(&m.ID, &m.Week, &m.Seq, &m.Recipient, &m.Channel, &m.Text, &m.Blocks, &m.PostedChannel, &m.TS, &posted)
	m.PostedAt = nullTime(posted)
	return m, err
}

// PlanShortlistMessages freezes the messages a week's shortlist will be posted as. The first
// plan wins: when the week already has one it is returned unchanged and plan is ignored, so a
// poster restarted mid-week sends exactly what the first run meant to send. Once planned, the
// week's shortlist is no longer rebuilt (SaveShortlist returns ErrShortlistPosted).
func (s *Store) PlanShortlistMessages(ctx context.Context, week string, plan []ShortlistMessage) ([]ShortlistMessage, error) {
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var id int64
		var posted sql.NullTime
		if err := tx.QueryRowContext(ctx, s.q("ShortlistOfWeek"), week).Scan(&id, &posted); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("no shortlist stored for %s: %w", week, ErrNotFound)
		} else if err != nil {
			return err
		}
		var have int
		if err := tx.GetContext(ctx, &have, s.q("CountShortlistMessages"), id); err != nil {
			return err
		}
		if have > 0 {
			return nil
		}
		for i, m := range plan {
			if _, err := tx.ExecContext(ctx, s.q("InsertShortlistMessage"), id, i, m.Recipient, m.Channel, m.Text, m.Blocks); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan shortlist messages for %s: %w", week, err)
	}
	return s.ShortlistMessages(ctx, week)
}

// ShortlistMessages returns a week's planned messages in posting order (none: an empty slice).
func (s *Store) ShortlistMessages(ctx context.Context, week string) ([]ShortlistMessage, error) {
	out, err := collect(ctx, s.db, scanShortlistMessage, s.q("ShortlistMessages"), week)
	if err != nil {
		return nil, fmt.Errorf("read shortlist messages of %s: %w", week, err)
	}
	if out == nil {
		out = []ShortlistMessage{}
	}
	return out, nil
}

// FindShortlistMessage finds a sent message by the channel id and ts Slack reported, or ErrNotFound.
func (s *Store) FindShortlistMessage(ctx context.Context, channel, ts string) (ShortlistMessage, error) {
	m, err := scanShortlistMessage(s.db.QueryRowContext(ctx, s.q("FindShortlistMessage"), channel, ts))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("shortlist message %s/%s: %w", channel, ts, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("find shortlist message %s/%s: %w", channel, ts, err)
	}
	return m, nil
}

// MarkShortlistMessageSent records where and as what Slack stored a planned message. When it
// was the week's last unsent message, the shortlist itself is marked posted (posted_at, and
// channel/message_ts of the first message).
func (s *Store) MarkShortlistMessageSent(ctx context.Context, id int64, channel, ts string) error {
	if ts == "" {
		return fmt.Errorf("mark shortlist message %d sent: empty ts", id)
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		var shortlistID int64
		if err := tx.GetContext(ctx, &shortlistID, s.q("ShortlistOfMessage"), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("MarkShortlistMessageSent"), channel, ts, now, id); err != nil {
			return err
		}
		var unsent int
		if err := tx.GetContext(ctx, &unsent, s.q("CountUnsentShortlistMessages"), shortlistID); err != nil {
			return err
		}
		if unsent > 0 {
			return nil
		}
		var firstChannel, firstTS string
		if err := tx.QueryRowContext(ctx, s.q("FirstShortlistMessage"), shortlistID).Scan(&firstChannel, &firstTS); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("MarkShortlistPostedAs"), now, firstChannel, firstTS, shortlistID)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark shortlist message %d sent: %w", id, err)
	}
	return nil
}

// MarkShortlistPosted marks a week posted without messages (nothing to send, e.g. no Slack
// recipient for anyone), so the scheduled job does not try again every turn.
func (s *Store) MarkShortlistPosted(ctx context.Context, week string) error {
	return s.withTx(ctx, func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, s.q("MarkShortlistPosted"), now, week)
		if err != nil {
			return fmt.Errorf("mark shortlist %s posted: %w", week, err)
		}
		return nil
	})
}
