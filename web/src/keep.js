// useKept keeps what a person typed into a form in sessionStorage, so that a
// session that expires mid-sentence loses nothing: after signing in again the
// page opens with the text as it was. Sending the form successfully forgets it.
import { watch } from 'vue';
import { useRoute } from 'vue-router';

// route is the page's route: a caller that keeps its form only after loading
// it (after an await, outside setup) passes the one it took in setup.
export function useKept(name, model, route = useRoute()) {
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
