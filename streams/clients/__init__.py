"""What the commands call: match files, the paced feed, the subscriber, replays, the demo,
dead letters, the tie list, and the text views and narration they print."""
