// useNarrow follows the phone breakpoint (tables become cards, the menu a drawer).
import { ref, onBeforeUnmount } from 'vue';

const query = '(max-width: 768px)';

export function useNarrow() {
  const mq = window.matchMedia(query);
  const narrow = ref(mq.matches);
  const on = (e) => { narrow.value = e.matches; };
  mq.addEventListener('change', on);
  onBeforeUnmount(() => mq.removeEventListener('change', on));
  return narrow;
}
