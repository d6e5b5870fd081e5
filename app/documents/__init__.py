"""Documents: agency branding, the PDF rendering of invoices, their stored versions, emails
and downloads. Rendering itself (WeasyPrint with a URL fetcher that reaches only bundled
assets) is app.core.pdf, for any document."""
