// The Export button: downloads the current view (filters, search, sort and
// order) as CSV from the export route. The route needs the Bearer header, so
// the file is fetched, kept as a Blob and saved through a temporary download
// link named as the service names it (Content-Disposition).
import { request } from './api.js';
import { exportParams } from './urlstate.js';

// The file name of a Content-Disposition header, or a default.
function fileName(disposition) {
  const m = /filename="([^"]+)"/.exec(disposition || '');
  return m ? m[1] : 'conversations.csv';
}

// Download the view of state as CSV; the button is busy meanwhile, errors go to onError.
export async function exportView(state, button, onError) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const res = await request('/conversations/export', {
      params: { ...exportParams(state), format: 'csv' }, raw: true, headers: { Accept: 'text/csv' },
    });
    // a download cut short by the service rejects here (the body never completes)
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName(res.headers.get('Content-Disposition'));
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    onError(err);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
