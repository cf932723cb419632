"""The needs report for the committee (issue 29): a PDF or HTML document from one round's answers."""
