"""Report pages: an operation's debriefs and downloads, a RILO's regional view, the CITES AITR export."""
