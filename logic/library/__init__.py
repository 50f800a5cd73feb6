"""Content read from the repository's folders: evidence pages (content/) and teaching cases
(cases/)."""
