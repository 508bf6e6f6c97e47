// useKept keeps what a person typed into a form in sessionStorage, so that a
// session that expires mid-sentence loses nothing: after signing in again the
// page opens with the text as it was. Sending the form successfully forgets it.
import { watch } from 'vue';
import { useRoute } from 'vue-router';

export function useKept(name, model) {
  const route = useRoute();
  const key = `chuangdai.kept:${route.path}:${name}`;
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) || 'null');
    if (saved && typeof saved === 'object') Object.assign(model, saved);
  } catch {
    sessionStorage.removeItem(key);
  }
  watch(model, (v) => sessionStorage.setItem(key, JSON.stringify(v)), { deep: true });
  return () => sessionStorage.removeItem(key);
}
