export type ErrorView = {
  title: string;
  heading: string;
  message: string;
  code: string | null;
};

const HEADINGS: Record<number, string> = {
  400: 'This request cannot be completed',
  401: 'Sign-in required',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'This request is too large',
  414: 'This address is too long',
  415: 'This request cannot be completed',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/** What a person sees for an error: never a stack trace, never internal detail on a 5xx. */
export function errorView(status: number, code: string | null, description: string | null): ErrorView {
  const heading = HEADINGS[status] ?? (status >= 500 ? 'Something went wrong' : 'This request cannot be completed');
  const message =
    status >= 500 && status !== 503
      ? 'An unexpected error occurred. Please try again in a moment.'
      : description || 'Please return to the application and try again.';
  return { title: heading, heading, message, code };
}
