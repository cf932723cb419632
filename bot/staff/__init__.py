"""The office's side: staff commands, guided flows (/workshop, /broadcast), reports and exports,
and bringing catalog files in."""
