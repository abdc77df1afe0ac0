package main

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWork(t *testing.T) {
	if err := work(t.Context()); err != nil {
		t.Fatalf("work = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := work(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("work with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestRunRepeatsWorkUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	fakeWork := func(context.Context) error {
		calls++
		if calls == 1 {
			return errors.New("first round fails") // logged; the loop carries on
		}
		if calls == 3 {
			cancel()
		}
		return nil
	}
	returned := make(chan struct{})
	go func() {
		run(ctx, time.Millisecond, fakeWork)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within 5s of cancel")
	}
	if calls != 3 {
		t.Errorf("work ran %d times, want 3", calls)
	}
}

func TestRunStopsAtOnceWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	run(ctx, time.Hour, func(context.Context) error {
		calls++
		return nil
	})
	if calls != 0 {
		t.Errorf("work ran %d times with a cancelled context, want 0", calls)
	}
}
