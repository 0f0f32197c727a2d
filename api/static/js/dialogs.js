// Modal dialogs of the page: the API key prompt and the confirmation of
// destructive actions. Both use <dialog> from index.html.

// Ask for a confirmation; resolves true when the user chose the OK button.
export function confirmDialog({ title, body, ok }) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').textContent = body;
  document.getElementById('confirm-ok').textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  dialog.querySelector('button[value="cancel"]').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

// Ask for the API key; resolves with the saved key, or null when the user
// cancelled and `required` is false (a key is already stored).
export function keyDialog(error, required = true) {
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  const message = document.getElementById('key-error');
  message.hidden = !error;
  message.textContent = error || '';
  input.value = '';
  dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    const onClose = () => {
      if (dialog.returnValue === 'save' && input.value.trim()) {
        dialog.removeEventListener('close', onClose);
        resolve(input.value.trim());
      } else if (!required) {
        dialog.removeEventListener('close', onClose);
        resolve(null);
      } else {
        dialog.showModal(); // the page cannot work without a key: ask again
      }
    };
    dialog.returnValue = '';
    dialog.addEventListener('close', onClose);
  });
}
