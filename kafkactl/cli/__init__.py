"""The Typer app. Imported by nothing else in the package."""
