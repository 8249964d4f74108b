import { main } from '../../lib/cli/main';

test('the command runs', async () => {
  await expect(main([])).resolves.toBe(0);
});
