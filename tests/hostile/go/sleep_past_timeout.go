package main

// Sleep far past any timeout.

import "time"

func init() {
	register("sleep_past_timeout", func(string) { time.Sleep(time.Hour) })
}
